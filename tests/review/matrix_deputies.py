"""Permission-matrix entries of the deputy pages: only the call's co-pilot (o.copilot, made the
State co-pilot by `build_commission`) names or removes their deputy."""

from __future__ import annotations

from .helpers import build_commission


def _url(o, tail: str = "") -> str:
    build_commission(o)
    return f"/instruction/appels/{o.call.id}/suppleant{tail}"


MATRIX_ENTRIES = {
    ("review.deputy", "GET"): (lambda o: _url(o), {"copilot"}, None),
    ("review.name_deputy", "POST"): (lambda o: _url(o), {"copilot"}, lambda o: {}),
    ("review.remove_deputy", "POST"): (lambda o: _url(o, "/retirer"), {"copilot"}, None),
}
