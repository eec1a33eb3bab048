"""Accent- and case-insensitive search without a database extension: text folded in Python.

`fold("Élève Cœur")` is `"eleve coeur"`: accents dropped (NFKD, combining marks removed), case
folded, ligatures and typographic apostrophes and dashes written plainly, spaces collapsed. A
model keeps the folded text of the columns people search in a `search_text` column of its own
(`searchable`), filled on every insert (ORM or Core) and on every ORM update of those columns, so
a search is a plain `LIKE` on one stored column: the same on SQLite and PostgreSQL, no
`unaccent()` or `lower()` per row, and open to a trigram index should a table grow."""

from __future__ import annotations

import unicodedata

from sqlalchemy import event, inspect

_PLAIN = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)


def fold(text: str | None) -> str:
    """The text lower-cased, without accents, ligatures or typographic punctuation."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_PLAIN).split())


def search_key(*parts) -> str:
    """The folded parts, one space apart (a query word never holds a space, so none spans two)."""
    return " ".join(p for p in (fold(str(part)) for part in parts if part) if p)


def words(query: str, limit: int = 10) -> list[str]:
    """The folded words of a query, each as a LIKE pattern (wildcards escaped with a backslash)."""
    out = []
    for word in fold(query).split()[:limit]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(f"%{escaped}%")
    return out


def column_default(*attrs: str):
    """The `search_text` column's default for Core inserts (bulk loads): folded from the row."""

    def default(context) -> str:
        row = context.get_current_parameters()
        return search_key(*(row.get(attr) for attr in attrs))

    return default


def searchable(model, *attrs: str) -> None:
    """Keep `model.search_text` the `search_key` of `attrs` whenever the ORM writes the row."""

    def on_insert(_mapper, _connection, target) -> None:
        target.search_text = search_key(*(getattr(target, attr) for attr in attrs))

    def on_update(_mapper, _connection, target) -> None:
        state = inspect(target)
        if any(state.attrs[attr].history.has_changes() for attr in attrs):
            on_insert(_mapper, _connection, target)

    event.listen(model, "before_insert", on_insert, propagate=True)
    event.listen(model, "before_update", on_update, propagate=True)
