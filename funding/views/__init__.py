"""Funding pages (/financement): one blueprint, one module per page group.

- `budget`: the calls' money, a call's dashboard, its envelopes, the exports;
- `home`: the budget officers' and observers' home section; `charts`: the template helpers;
- `grants`: a dossier's grant and its agreement; `reports`: the final report (`report_consent`:
  the head's consent to publication, the report's PDF);
- `money`: the officers' commitments, payments and clawbacks.

Thin views: parse, call a service, commit once (portal.web.done), render or redirect; a refusal
re-renders the page with the message on its field (portal.web.refused, status_of: 400 or 409).
"""

from flask import Blueprint

bp = Blueprint("funding", __name__, url_prefix="/financement")

from . import budget, charts, grants, home, money, report_consent, reports  # noqa: E402,F401
