"""One page of a list query: lists never load every row of a busy call."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from .db import db

PAGE_SIZE = 50


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int


def paginate(
    stmt: Select,
    page: int | str | None,
    per_page: int = PAGE_SIZE,
    *,
    unique: bool = False,
    total: int | None = None,
    rows: bool = False,
) -> Page:
    """Count the rows, clamp the page number into range, load that page (two queries; one when
    the caller already knows the `total`, e.g. from its counts per status); `rows`: a SELECT of
    columns, whose rows are the items (not only their first column)."""
    if total is None:
        total = (
            db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        )
    pages = max(1, -(-total // per_page))
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        number = 1
    number = min(max(1, number), pages)
    sliced = stmt.offset((number - 1) * per_page).limit(per_page)
    result = db.session.execute(sliced) if rows else db.session.scalars(sliced)
    items = list(result.unique() if unique else result)
    return Page(items=items, total=total, page=number, pages=pages)
