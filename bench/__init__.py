"""The benchmark of issue 13: `python -m bench run …` (bench/README.md)."""
