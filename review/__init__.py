"""Commission review: screening, assignment, conflicts of interest, scoring, ranking, decisions."""

from . import policy  # noqa: E402,F401  (registers the review rules in the one policy)
