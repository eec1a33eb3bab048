"""Everyone's « À faire »: what waits for a person, gathered from the areas' answers to
`portal.signals.todo_items`, sorted by due date (undated last), each due date in words
(`portal.formatting.due_sentence`, Europe/Paris). The home page and /api/v1/a-faire show it."""

from __future__ import annotations

import datetime as dt

from .formatting import due_sentence, format_due
from .signals import answers, todo_items

_LAST = dt.datetime.max.replace(tzinfo=dt.UTC)


def todo_list(user, now: dt.datetime) -> list[dict]:
    """The person's to-do items, soonest first; each with `due_text` ("" when undated)."""
    items = [dict(item) for answer in answers(todo_items, user, now=now) for item in answer]
    for item in items:
        item.setdefault("count", 1)
        due = item.get("due")
        item["due"] = due
        item["due_text"] = due_sentence(due, now) if due else ""
        item["due_fr"] = format_due(due) if due else ""
        item["late"] = bool(due and due <= now)
    items.sort(key=lambda i: (i["due"] or _LAST, i["label"]))
    return items
