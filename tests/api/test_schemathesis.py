"""The API against its own OpenAPI document (schemathesis, bounded): for a few roles' tokens,
every operation with generated input must answer what the document says — never a 500, only
documented status codes and content types, the headers it declares (issue 9)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    allow_header_conformance,
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    status_code_conformance,
)

from portal.db import db  # noqa: E402

from .helpers import bearer, cli_token  # noqa: E402

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    allow_header_conformance,
    response_headers_conformance,
]
EXAMPLES = 20  # per operation and role: the suite stays under two minutes


def test_every_operation_conforms_to_the_document(app, world, factory):
    factory.dossier(world.call, world.head_a)
    db.session.commit()
    tokens = {who: cli_token(getattr(world, who)) for who in ("head_a", "call_admin", "budget")}
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for who, token in tokens.items():
            try:
                _conforms(operation, token)
            except BaseException as exc:  # noqa: BLE001 - collected, reported together
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(
                    f"{who} {operation.method.upper()} {operation.path}: {str(exc)[:1500]}"
                )
    print("\n\n".join(failures))  # noqa: T201 - the whole list, with -s
    assert not failures, f"{len(failures)} operation(s) do not conform; run with -s to see all"


def _conforms(operation, token: str) -> None:
    """Generated cases of one operation, with one role's token, through every check."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=bearer(token))
        case.validate_response(response, checks=CHECKS)

    run()
