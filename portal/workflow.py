"""State machines as transition tables: (state, action) → new state.

Each area declares its machines in its `workflow.py`; services move objects only through them, so
a refused move is a clear French error (Conflict, 409), never a silent no-op.

    COMMITMENT = StateMachine("commitment", {(S.active, "cancel"): S.cancelled},
                              {"cancel": "Cet engagement est déjà « {label} »."})
    before, after = COMMITMENT.transition(commitment, "cancel")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .errors import Conflict

DEFAULT_REFUSAL = "Cette action n'est plus possible : l'élément est « {label} »."


def _label(state) -> str:
    return getattr(state, "label", None) or str(getattr(state, "value", state))


class StateMachine:
    def __init__(
        self,
        name: str,
        transitions: Mapping,
        refusals: Mapping[str, str] | None = None,
        *,
        field: str = "status",
        label: Callable[[object], str] | None = None,
    ):
        self.name = name
        self.transitions = dict(transitions)
        self.refusals = dict(refusals or {})
        self.field = field
        # label(obj) → the current state as a person reads it (default: the state's own label)
        self._label = label or (lambda obj: _label(getattr(obj, field)))
        self.actions = {action for _, action in self.transitions}

    def state(self, obj):
        return getattr(obj, self.field)

    def allows(self, obj, action: str) -> bool:
        return (self.state(obj), action) in self.transitions

    def next_state(self, obj, action: str):
        if action not in self.actions:
            raise ValueError(f"{self.name}: unknown action {action!r}")
        try:
            return self.transitions[(self.state(obj), action)]
        except KeyError:
            message = self.refusals.get(action, DEFAULT_REFUSAL)
            raise Conflict(message.format(label=self._label(obj))) from None

    def transition(self, obj, action: str) -> tuple:
        """Apply the move; returns (before, after) for the audit trail."""
        before = self.state(obj)
        after = self.next_state(obj, action)
        setattr(obj, self.field, after)
        return before, after

    def sources(self, action: str) -> set:
        """The states from which `action` is possible (for SQL filters and guards)."""
        return {state for (state, a) in self.transitions if a == action}
