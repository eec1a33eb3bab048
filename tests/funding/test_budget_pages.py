"""Budget pages: the calls' list, a call's dashboard, its envelopes, and who may do what there.

Each funder's officers change only their own envelopes; observers and call administrators read;
applicants, reviewers, co-pilots and the platform administrator never reach these pages. Every
bad amount is refused on its field and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from funding import dashboard, services
from funding.models import Envelope
from portal.db import db
from portal.formatting import format_date, format_money
from portal.models import AuditEvent, CallStatus, Role

from ..conftest import login
from .conftest import REGION, STATE, commitment_of


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, _page(response)[:3000]
    return _page(response)


def _cell(page: str, cell_id: str) -> str:
    match = re.search(rf'id="{cell_id}">(.*?)</td>', page, re.S)
    assert match, f"no cell {cell_id}"
    return match.group(1).strip()


def _envelopes(call) -> dict:
    """(funder, département, axis) → amount, read back from the database."""
    db.session.expire_all()
    return {
        (e.funder, e.department_code, e.axis_number): e.amount
        for e in db.session.scalars(select(Envelope).where(Envelope.call_id == call.id))
    }


# ---------------------------------------------------------------- who reaches the pages


def _budget_urls(o) -> list[tuple[str, str]]:
    sub = services.set_envelope(o.budget_region, o.call, REGION, "500", axis_number=4)
    db.session.flush()
    return [
        ("get", "/financement/"),
        ("get", f"/financement/appels/{o.call.id}"),
        ("get", f"/financement/appels/{o.call.id}/enveloppes"),
        ("post", f"/financement/appels/{o.call.id}/enveloppes"),
        ("post", f"/financement/enveloppes/{sub.id}/supprimer"),
        ("get", f"/financement/appels/{o.call.id}/engagements.csv"),
        ("get", f"/financement/appels/{o.call.id}/engagements.xlsx"),
        ("get", f"/financement/appels/{o.call.id}/paiements.csv"),
        ("get", f"/financement/appels/{o.call.id}/paiements.xlsx"),
    ]


@pytest.mark.parametrize("who", ["head_a", "staff_a", "head_b", "reviewer", "copilot", "admin"])
def test_applicants_reviewers_copilots_and_admin_get_403_on_every_budget_page(
    client, money_world, who
):
    o = money_world
    urls = _budget_urls(o)
    before = _envelopes(o.call)
    login(client, getattr(o, who))
    for method, url in urls:
        data = {"funder": "region", "amount": "1"} if url.endswith("enveloppes") else {}
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "Accès refusé" in _page(response)
    assert _envelopes(o.call) == before


@pytest.mark.parametrize("who", ["budget_state", "budget_region", "observer", "call_admin"])
def test_readers_reach_every_budget_page(client, money_world, who):
    o = money_world
    o.funded("1000.00", "2000.00")
    urls = [u for m, u in _budget_urls(o) if m == "get"]
    login(client, getattr(o, who))
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_the_login_page(client, money_world):
    response = client.get(f"/financement/appels/{money_world.call.id}")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_unknown_call_is_404(client, money_world):
    login(client, money_world.observer)
    assert client.get("/financement/appels/999999").status_code == 404
    assert client.get("/financement/appels/999999/enveloppes").status_code == 404


# ---------------------------------------------------------------- the calls' list


def test_index_lists_calls_with_each_funders_figures(client, money_world, factory):
    o = money_world
    decision = o.funded("1000.00", "2500.50")
    services.record_payment(
        o.budget_state, commitment_of(decision, STATE), "500,00", dt.date.today(), "M-1"
    )
    draft = factory.call(status=CallStatus.draft)
    login(client, o.observer)
    page = _get(client, "/financement/")
    assert o.call.title in page and draft.title not in page
    assert f'href="/financement/appels/{o.call.id}"' in page
    table = page[page.index(f'id="budget-appel-{o.call.id}"') :]
    table = table[: table.index("</table>")]
    for amount in ("100000.00", "1000.00", "500.00", "99000.00", "2500.50", "97499.50"):
        assert format_money(Decimal(amount)) in table, amount
    assert "1,0\u00a0%" in table and "2,5\u00a0%" in table  # commitment rates
    assert table.count("<svg") == 2


def test_index_says_when_an_envelope_is_missing(client, world, factory):
    login(client, world.budget)
    page = _get(client, "/financement/")
    assert "Enveloppe non fixée" in page


# ---------------------------------------------------------------- the dashboard


def test_dashboard_shows_each_funders_figures_charts_and_reconciliation(client, money_world):
    o = money_world
    first = o.funded("1000.00", "3000.00")
    second = o.funded("2000.00", "0", author=o.head_b)
    services.record_payment(
        o.budget_state, commitment_of(first, STATE), "500,00", dt.date.today(), "M-1"
    )
    services.record_payment(
        o.budget_region, commitment_of(first, REGION), "1500,00", dt.date.today(), "R-1"
    )
    services.record_payment(
        o.budget_state, commitment_of(second, STATE), "1000,00", dt.date.today(), "M-2"
    )
    login(client, o.budget_region)
    page = _get(client, f"/financement/appels/{o.call.id}")
    assert _cell(page, "enveloppe-state") == format_money(Decimal("100000"))
    assert _cell(page, "engage-state") == format_money(Decimal("3000"))
    assert _cell(page, "paye-state") == format_money(Decimal("1500"))
    assert _cell(page, "reste-a-engager-state") == format_money(Decimal("97000"))
    assert _cell(page, "reste-a-payer-state") == format_money(Decimal("1500"))
    assert _cell(page, "engage-region") == format_money(Decimal("3000"))
    assert _cell(page, "paye-region") == format_money(Decimal("1500"))
    assert _cell(page, "reste-a-payer-region") == format_money(Decimal("1500"))
    assert _cell(page, "non-engage-region") == format_money(Decimal("0"))
    # bars with a text alternative, breakdowns as tables, the months as a chart and a table
    assert 'role="img" aria-label="Engagé : 3,0 % de l\'enveloppe ; payé : 1,5 %"' in page
    dep = page[page.index('id="par-department-state"') :]
    dep = dep[: dep.index("</table>")]
    assert "Vienne (86)" in dep and "Charente-Maritime (17)" in dep
    assert format_money(Decimal("2000")) in dep and format_money(Decimal("1000")) in dep
    assert 'id="par-axis-state"' in page and "Axe 2 – Axe 2" in page
    assert 'id="par-kind-region"' in page and "<caption" in page
    assert 'id="mois-state"' in page and "<polyline" in page
    # reconciliation with the lists, and the ways to them and to the exports
    assert "2 engagements : " + format_money(Decimal("3000")) in _cell(
        page, "rapprochement-engage-state"
    )
    assert _cell(page, "rapprochement-paiements-state") == format_money(Decimal("1500"))
    assert f'href="/financement/appels/{o.call.id}/engagements"' in page
    assert f'href="/financement/appels/{o.call.id}/paiements"' in page
    for url in ("engagements.csv", "engagements.xlsx", "paiements.csv", "paiements.xlsx"):
        assert f'href="/financement/appels/{o.call.id}/{url}"' in page
    assert 'id="aucune-alerte"' in page


def test_dashboard_can_show_one_funder(client, money_world):
    o = money_world
    o.funded("1000.00", "3000.00")
    login(client, o.observer)
    page = _get(client, f"/financement/appels/{o.call.id}?financeur=region")
    assert 'id="engage-region"' in page and 'id="engage-state"' not in page
    assert f'href="/financement/appels/{o.call.id}/engagements.csv?financeur=region"' in page
    both = _get(client, f"/financement/appels/{o.call.id}?financeur=nimporte")
    assert 'id="engage-region"' in both and 'id="engage-state"' in both


def _alerts(page: str) -> dict:
    """{kind: (count, box text)} of the dashboard's counted alerts."""
    return {
        kind: (int(count), text)
        for kind, count, text in re.findall(
            r'data-alert="(\w+)" data-count="(\d+)">(.*?)</div>', page, re.S
        )
    }


def test_dashboard_alerts_are_counted_per_kind_with_links_to_the_full_lists(client, money_world):
    o = money_world
    services.set_envelope(o.budget_region, o.call, REGION, "10000.00")
    late = o.funded("1000.00", "9000.00", report_due_on=dt.date.today() - dt.timedelta(days=3))
    on_time = o.funded("100.00", "0", report_due_on=dt.date.today() + dt.timedelta(days=30))
    paid = commitment_of(late, STATE)
    services.record_payment(o.budget_state, paid, "500,00", dt.date.today(), "M-9")
    services.create_clawback(o.budget_state, paid, "200,00", "Action non réalisée.")
    pending = o.accepted("0", "5000.00")  # does not fit: stays uncommitted
    login(client, o.budget_state)
    page = _get(client, f"/financement/appels/{o.call.id}")
    alerts = _alerts(page)
    assert set(alerts) == {"envelope", "late_report", "clawback", "uncommitted"}
    assert "engagée à 90,0 %" in alerts["envelope"][1]
    assert f'href="/financement/appels/{o.call.id}/enveloppes"' in alerts["envelope"][1]
    # counted, not listed: the text names no dossier, the link leads to the filtered list
    count, text = alerts["late_report"]
    assert count == 1 and "1 bilan final est en retard" in text
    assert late.dossier.reference not in text
    assert format_date(dt.date.today() - dt.timedelta(days=3)) in text
    late_list = f"/financement/appels/{o.call.id}/engagements?suivi=bilan-en-retard"
    assert f'href="{late_list}"' in text
    count, text = alerts["clawback"]
    assert count == 1 and format_money(Decimal("200")) in text and "1 dossier" in text
    clawback_list = (
        f"/financement/appels/{o.call.id}/engagements?suivi=reversement-attendu&amp;financeur=state"
    )
    assert f'href="{clawback_list}"' in text
    count, text = alerts["uncommitted"]
    assert count == 1 and format_money(Decimal("5000")) in text
    assert pending.dossier.reference not in text
    assert f'href="/financement/appels/{o.call.id}/engagements#a-engager"' in text
    assert _cell(page, "non-engage-region") == format_money(Decimal("5000"))
    assert _cell(page, "reversements-state") == format_money(Decimal("200"))
    # the State's view alone keeps the alerts of every funder-free kind and its own
    state_only = _get(client, f"/financement/appels/{o.call.id}?financeur=state")
    assert set(_alerts(state_only)) == {"late_report", "clawback"}
    # the full lists behind the counts
    listed = _get(client, late_list)
    assert late.dossier.reference in listed and on_time.dossier.reference not in listed
    assert "2 engagements" in listed  # both funders' parts of the late dossier
    listed = _get(client, clawback_list.replace("&amp;", "&"))
    assert f'id="engagement-{paid.id}"' in listed and "1 engagement." in listed
    assert pending.dossier.reference in _get(client, f"/financement/appels/{o.call.id}/engagements")


def test_late_reports_are_counted_not_listed_one_by_one(client, money_world):
    o = money_world
    overdue = [
        o.funded("100.00", "0", report_due_on=dt.date.today() - dt.timedelta(days=days))
        for days in (2, 40, 9)
    ]
    login(client, o.observer)
    page = _get(client, f"/financement/appels/{o.call.id}")
    count, text = _alerts(page)["late_report"]
    assert count == 3 and "3 bilans finaux sont en retard" in text
    assert format_date(dt.date.today() - dt.timedelta(days=40)) in text
    assert page.count('data-alert="late_report"') == 1
    assert not any(d.dossier.reference in page for d in overdue)
    # the API still lists them one by one (oldest due first)
    budget = dashboard.call_budget(o.call)
    assert [a.dossier_id for a in budget.alerts if a.kind == "late_report"] == [
        overdue[1].dossier.id,
        overdue[2].dossier.id,
        overdue[0].dossier.id,
    ]


def test_chart_helpers_scale_bars_and_lines():
    from funding.views.charts import budget_percent, budget_timeline, rate_fr

    assert budget_percent(Decimal("25"), Decimal("200")) == "12.5"
    assert budget_percent(Decimal("300"), Decimal("200")) == "100.0"  # never past the bar
    assert budget_percent(0, 0) == "0" and budget_percent(5, 0) == "100"
    assert rate_fr(Decimal("90.05")) == "90,1\u00a0%"
    series = [
        ("2026-10", Decimal("1000"), Decimal("0")),
        ("2026-11", Decimal("4000"), Decimal("2000")),
    ]
    t = budget_timeline(series)
    assert t["labels"] == ["oct. 2026", "nov. 2026"]
    assert (
        t["committed"] == f"90.0,{t['bottom'] - 0.25 * (t['bottom'] - t['top']):.1f} "
        f"620.0,{t['top']:.1f}"
    )
    assert t["paid"].split()[1] == f"620.0,{(t['bottom'] + t['top']) / 2:.1f}"
    assert "l'engagé cumulé atteint 4\u202f000,00\u00a0€" in t["summary"]
    assert budget_timeline([]) is None


# ---------------------------------------------------------------- the envelopes page


def test_envelopes_page_lists_envelopes_and_sub_envelopes(client, money_world):
    o = money_world
    services.set_envelope(o.budget_state, o.call, STATE, "20000", department_code="86")
    services.set_envelope(o.budget_state, o.call, STATE, "5000", axis_number=2)
    o.funded("1000.00", "0")
    login(client, o.observer)
    page = _get(client, f"/financement/appels/{o.call.id}/enveloppes")
    table = page[page.index('id="table-enveloppes"') : page.index("</table>")]
    assert table.count('<tr id="enveloppe-') == 4
    assert "Vienne (86)" in table and "Axe 2 – Axe 2" in table
    assert format_money(Decimal("20000")) in table and format_money(Decimal("19000")) in table
    assert format_money(Decimal("4000")) in table  # remaining of the axis-2 sub-envelope
    # an observer reads but gets no form and no action
    assert 'action="/financement/appels/' not in page and "Modifier" not in page
    assert "vous les consultez" in page

    # the officer's edit links name what they edit, in French (« la sous-enveloppe »)
    login(client, o.budget_state)
    page = html.unescape(_get(client, f"/financement/appels/{o.call.id}/enveloppes"))
    assert 'Modifier<span class="fr-sr-only"> la sous-enveloppe État' in page
    assert 'Modifier<span class="fr-sr-only"> l\'enveloppe globale État' in page
    assert "l'sous" not in page and "l’sous" not in page


def test_officer_sets_the_main_envelope_and_a_sub_envelope(client, money_world):
    o = money_world
    login(client, o.budget_region)
    page = _get(client, f"/financement/appels/{o.call.id}/enveloppes")
    assert 'name="funder" value="region"' in page and "Financeur :</strong> Région" in page
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes", data={"amount": "150 000,00", "version": "1"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes",
        data={"amount": "30 000", "department_code": "17", "axis_number": "3"},
    )
    assert response.status_code == 302
    envelopes = _envelopes(o.call)
    assert envelopes[(REGION, None, None)] == Decimal("150000.00")
    assert envelopes[(REGION, "17", 3)] == Decimal("30000.00")
    assert envelopes[(STATE, None, None)] == Decimal("100000.00")
    page = _get(client, response.headers["Location"])
    assert "Enveloppe de la Région, département 17, axe 3 : " in page
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "envelope_set")
    ).all()
    assert len(actions) >= 2


def test_edit_link_fills_the_form_with_the_envelope_and_its_version(client, money_world):
    o = money_world
    login(client, o.budget_state)
    page = _get(
        client, f"/financement/appels/{o.call.id}/enveloppes?modifier={o.envelope_state.id}"
    )
    assert 'value="100000,00"' in page
    assert f'name="version" type="hidden" value="{o.envelope_state.version}"' in page
    assert "Modifier une enveloppe" in page
    # another funder's envelope is never offered for editing
    page = _get(
        client, f"/financement/appels/{o.call.id}/enveloppes?modifier={o.envelope_region.id}"
    )
    assert 'value="100000,00"' not in page and "Fixer une enveloppe" in page
    assert page.count(">Modifier<") == 1


def test_zero_is_a_valid_envelope(client, money_world):
    o = money_world
    login(client, o.budget_state)
    response = client.post(f"/financement/appels/{o.call.id}/enveloppes", data={"amount": "0"})
    assert response.status_code == 302
    assert _envelopes(o.call)[(STATE, None, None)] == Decimal("0.00")


def test_officer_with_both_grants_chooses_the_funder(client, money_world, factory):
    o = money_world
    both = factory.user(Role.budget_officer, institution=STATE)
    from portal.models import RoleGrant

    both.grants.append(RoleGrant(role=Role.budget_officer, institution=REGION))
    db.session.flush()
    login(client, both)
    page = _get(client, f"/financement/appels/{o.call.id}/enveloppes")
    assert 'type="radio"' in page and "État (rectorat)" in page
    response = client.post(f"/financement/appels/{o.call.id}/enveloppes", data={"amount": "12000"})
    assert response.status_code == 400
    assert "Choisissez le financeur" in _page(response)
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes",
        data={"funder": "state", "amount": "12000", "axis_number": "1"},
    )
    assert response.status_code == 302
    assert _envelopes(o.call)[(STATE, None, 1)] == Decimal("12000.00")


@pytest.mark.parametrize("officer, other", [("budget_region", STATE), ("budget_state", REGION)])
def test_an_officer_cannot_change_the_other_funders_envelopes(client, money_world, officer, other):
    o = money_world
    sub = services.set_envelope(
        o.budget_state if other == STATE else o.budget_region,
        o.call,
        other,
        "1000",
        department_code="86",
    )
    db.session.flush()
    before = _envelopes(o.call)
    login(client, getattr(o, officer))
    for data in (
        {"funder": other.value, "amount": "1"},
        {"funder": other.value, "amount": "5000", "department_code": "86"},
    ):
        response = client.post(f"/financement/appels/{o.call.id}/enveloppes", data=data)
        assert response.status_code == 403
        assert "Seuls les agents budgétaires" in _page(response)
    response = client.post(f"/financement/enveloppes/{sub.id}/supprimer")
    assert response.status_code == 403
    assert _envelopes(o.call) == before


@pytest.mark.parametrize("who", ["observer", "call_admin"])
def test_readers_cannot_change_envelopes(client, money_world, who):
    o = money_world
    before = _envelopes(o.call)
    login(client, getattr(o, who))
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes", data={"funder": "state", "amount": "1"}
    )
    assert response.status_code == 403
    assert _envelopes(o.call) == before


BAD_AMOUNTS = [
    ("-5", 400, "Un montant ne peut pas être négatif."),
    ("12,345", 400, "Un montant a au plus deux décimales (les centimes)."),
    ("abc", 400, "« abc » n'est pas un montant : écrivez par exemple 1 234,50."),
    ("", 400, "Indiquez un montant."),
    (
        "999",
        400,
        "L'enveloppe ne peut pas descendre sous ce qui est déjà engagé : "
        + format_money(Decimal("1000")),
    ),
]


@pytest.mark.parametrize("amount, status, message", BAD_AMOUNTS)
def test_bad_amount_is_refused_on_its_field_and_changes_nothing(
    client, money_world, amount, status, message
):
    o = money_world
    o.accepted("1000.00", "0")
    before = _envelopes(o.call)
    login(client, o.budget_state)
    audits = db.session.query(AuditEvent).count()
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes",
        data={"amount": amount, "version": str(o.envelope_state.version)},
    )
    assert response.status_code == status
    page = _page(response)
    error = re.search(r'<p id="amount-error" class="fr-error-text">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert 'aria-describedby="amount-error"' in page and 'href="#amount"' in page
    assert f'value="{amount}"' in page or amount == ""  # what was typed stays in the field
    assert _envelopes(o.call) == before
    assert db.session.query(AuditEvent).count() == audits


def test_stale_version_is_refused_and_changes_nothing(client, money_world):
    o = money_world
    shown = o.envelope_state.version
    services.set_envelope(o.budget_state, o.call, STATE, "120000")  # a colleague, meanwhile
    db.session.flush()
    login(client, o.budget_state)
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes",
        data={"amount": "90000", "version": str(shown)},
    )
    assert response.status_code == 409
    page = _page(response)
    error = re.search(r'<p id="amount-error" class="fr-error-text">(.*?)</p>', page, re.S)
    assert error and "modifiée entre-temps" in error.group(1)
    assert _envelopes(o.call)[(STATE, None, None)] == Decimal("120000.00")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"department_code": "99"}, "department_code", "Le département « 99 » n'existe pas."),
        ({"axis_number": "7"}, "axis_number", "L'appel n'a pas d'axe n° 7."),
        ({"axis_number": "deux"}, "axis_number", "Choisissez un axe de l'appel."),
    ],
)
def test_bad_scope_is_refused_on_its_field(client, money_world, data, field, message):
    o = money_world
    before = _envelopes(o.call)
    login(client, o.budget_state)
    response = client.post(
        f"/financement/appels/{o.call.id}/enveloppes", data={"amount": "100", **data}
    )
    assert response.status_code == 400
    page = _page(response)
    assert re.search(rf'<p id="{field}-error" class="fr-error-text">{re.escape(message)}</p>', page)
    assert _envelopes(o.call) == before


def test_sub_envelope_before_the_main_one_is_refused(client, world, factory):
    login(client, world.budget)
    response = client.post(
        f"/financement/appels/{world.call.id}/enveloppes",
        data={"amount": "100", "department_code": "86"},
    )
    assert response.status_code == 400
    assert "Fixez d'abord l'enveloppe globale de la Région" in _page(response)
    assert _envelopes(world.call) == {}


def test_officer_deletes_an_empty_sub_envelope_but_not_a_used_or_main_one(client, money_world):
    o = money_world
    empty = services.set_envelope(o.budget_state, o.call, STATE, "3000", axis_number=4)
    used = services.set_envelope(o.budget_state, o.call, STATE, "3000", department_code="86")
    o.accepted("1000.00", "0")  # Lycée A, département 86
    db.session.flush()
    login(client, o.budget_state)
    page = _get(client, f"/financement/appels/{o.call.id}/enveloppes")
    assert f'action="/financement/enveloppes/{empty.id}/supprimer"' in page
    assert f'action="/financement/enveloppes/{used.id}/supprimer"' not in page
    for envelope, expected in (
        (used, "porte " + format_money(Decimal("1000"))),
        (o.envelope_state, "L'enveloppe globale ne se supprime pas"),
    ):
        response = client.post(f"/financement/enveloppes/{envelope.id}/supprimer")
        assert response.status_code == 302
        assert expected in _get(client, response.headers["Location"])
    assert (STATE, "86", None) in _envelopes(o.call)
    response = client.post(f"/financement/enveloppes/{empty.id}/supprimer")
    assert response.status_code == 302
    assert "Sous-enveloppe de l’État (rectorat), axe 4 supprimée." in _get(
        client, response.headers["Location"]
    )
    assert (STATE, None, 4) not in _envelopes(o.call)
    assert client.post("/financement/enveloppes/999999/supprimer").status_code == 404


# ---------------------------------------------------------------- home


def test_budget_officer_home_shows_envelopes_alerts_and_payments_to_record(client, money_world):
    o = money_world
    services.set_envelope(o.budget_region, o.call, REGION, "3000.00")
    to_pay = o.funded("1000.00", "2800.00")
    o.accepted("500.00", "0")  # accepted, agreement not signed: nothing to pay yet
    login(client, o.budget_region)
    page = _get(client, "/")
    section = page[page.index('id="suivi-budgetaire"') :]
    assert "Suivi budgétaire — Région" in section
    assert f'href="/financement/appels/{o.call.id}"' in section
    assert format_money(Decimal("3000")) in section and format_money(Decimal("2800")) in section
    assert "<svg" in section and 'data-alert="envelope"' in section
    rows = section[section.index('id="paiements-a-enregistrer"') :]
    region = commitment_of(to_pay, REGION)
    assert f'href="/financement/engagements/{region.id}"' in rows
    assert to_pay.dossier.reference in rows
    assert f'href="/financement/engagements/{commitment_of(to_pay, STATE).id}"' not in rows
    assert 'href="/appels/"' in page and "Les enveloppes, les engagements" not in page
    # once the advance is recorded, the line goes
    services.record_payment(o.budget_region, region, "1400,00", dt.date.today(), "R-7")
    page = _get(client, "/")
    assert f'href="/financement/engagements/{region.id}"' not in page
    assert "Aucun paiement en attente" in page


def test_observer_home_lists_the_dashboards_read_only(client, money_world):
    o = money_world
    o.funded("1000.00", "2000.00")
    login(client, o.observer)
    page = _get(client, "/")
    section = page[page.index('id="tableaux-de-bord"') :]
    assert "Tableaux de bord" in section
    assert f'href="/financement/appels/{o.call.id}"' in section
    # Each funder's envelope with what is granted and paid, read only.
    assert f'<td class="portal-amount">{format_money(Decimal("100000"))}</td>' in section
    assert f'<td class="portal-amount">{format_money(Decimal("2000"))}</td>' in section
    assert "Enregistrer un paiement" not in page and "/enveloppes" not in section
    assert 'href="/appels/"' in page


def test_other_roles_home_has_no_budget_section(client, money_world):
    o = money_world
    for user in (o.head_a, o.call_admin, o.copilot):
        login(client, user)
        page = _get(client, "/")
        assert 'id="suivi-budgetaire"' not in page and 'id="tableaux-de-bord"' not in page


def test_the_home_lists_the_first_payments_to_record_and_says_how_many(client, money_world):
    from funding.views.home import HOME_TO_PAY

    o = money_world
    for _ in range(HOME_TO_PAY + 2):
        o.funded("100.00", "0")
    login(client, o.budget_state)
    page = client.get("/").get_data(as_text=True)
    assert page.count("Enregistrer un paiement<span") == HOME_TO_PAY
    assert f"({HOME_TO_PAY} premiers sur {HOME_TO_PAY + 2} ;" in page


def test_every_budget_page_has_the_same_sub_navigation(client, money_world):
    o = money_world
    dossier = o.funded("1000.00", "2000.00")
    root = f"/financement/appels/{o.call.id}"
    pages = {
        root: "Tableau de bord",
        root + "/enveloppes": "Enveloppes",
        root + "/engagements": "Engagements",
        root + "/paiements": "Paiements et reversements",
        f"/financement/engagements/{commitment_of(dossier, STATE).id}": None,
    }
    login(client, o.budget_state)
    for url, current in pages.items():
        page = _get(client, url)
        nav = page[page.index('id="pages-budgetaires"') :]
        nav = nav[: nav.index("</nav>")]
        links = re.findall(r'href="([^"]+)"', nav)
        assert links == [root, root + "/enveloppes", root + "/engagements", root + "/paiements"]
        marked = re.findall(r'aria-current="page">([^<]+)</a>', nav)
        assert marked == ([current] if current else []), url
        assert page.count('class="fr-breadcrumb"') == 1
        assert page.count('class="fr-btns-group') >= 1
