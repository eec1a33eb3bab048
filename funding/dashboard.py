"""`from funding import dashboard` (the API, the tests): the budget figures live in
funding.services.dashboard."""

from .services.dashboard import ALERT_RATE, Alert, Bar, CallBudget, FunderBudget, call_budget  # noqa: F401
