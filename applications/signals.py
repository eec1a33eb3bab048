"""What the applications area asks of the areas above it, without importing them.

Receivers (connected in the higher area's init_app) return values; senders gather them.

- `dossier_panels` (sender: the Dossier, `user=`): the panels a higher area shows on the dossier's
  page, each a dict {"templates": [template names, in order], "context": {name: value}}. The
  page merges every panel's context into its own and includes the templates.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

dossier_panels = _signals.signal("dossier-panels")


def panels_of(dossier, user) -> tuple[list[str], dict]:
    """(templates to include, in order, and the context they need) from every receiver."""
    templates: list[str] = []
    context: dict = {}
    answers = [value for _, value in dossier_panels.send(dossier, user=user) if value]
    # Receivers are called in no set order: sort their panels by their declared `order`.
    for panel in sorted(answers, key=lambda p: p.get("order", 0)):
        templates.extend(panel.get("templates", []))
        context.update(panel.get("context", {}))
    return templates, context


# `list_filters` (sender: None): the filters a higher area adds to the call office's dossier list,
# as a list of {"name": URL parameter, "label": French, "choices": [(value, label)],
# "clause": value → SQL condition on Dossier} (e.g. the screening result).
list_filters = _signals.signal("list-filters")
