"""The funding area's follow-up: the head's agreements to sign and reports due or late, the
budget officers' reports to validate, parts to commit and clawbacks open, the call office's late
reports; the report's reminders (J-7, then late) and the mail to the officers on deposit."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

from sqlalchemy import select

from funding import services
from funding.followup import report_due_at
from funding.models import Clawback
from funding.services import agreements
from portal.db import db, utcnow
from portal.jobs.reminders import run_reminders
from portal.models import OutboxMessage
from portal.todo import todo_list

from ..conftest import login
from .conftest import REGION
from .helpers import _submitted, commitment_of_dossier


def _items(user, kind):
    return [i for i in todo_list(user, utcnow()) if i["kind"] == kind]


def _mails(start):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like(f"{start}%"))
    ).all()


def test_the_head_is_asked_to_sign_then_to_deposit_the_report(money_world):
    o = money_world
    dossier = o.accepted().dossier
    due = services.today() + dt.timedelta(days=40)
    agreement = agreements.generate(o.budget_region, dossier, due)
    (item,) = _items(o.head_a, "agreement_to_sign")
    assert agreement.number in item["label"] and item["url"].endswith(
        f"/financement/dossiers/{dossier.id}"
    )
    agreement.signed_on = services.today()
    agreement.signed_key = "test/signed.pdf"
    db.session.flush()
    assert _items(o.head_a, "agreement_to_sign") == []
    (item,) = _items(o.head_a, "report_due")
    assert item["due"] == report_due_at(due)
    assert "23 h 59" in item["due_text"]
    assert _items(o.head_b, "report_due") == []


def test_a_late_report_is_late_for_the_head_and_the_call_office(money_world):
    o = money_world
    o.funded(report_due_on=services.today() - dt.timedelta(days=3))
    (item,) = _items(o.head_a, "report_due")
    assert item["late"] and item["due_text"].startswith("Date limite dépassée")
    (late,) = _items(o.call_admin, "late_reports")
    assert late["count"] == 1 and late["url"].endswith(f"/financement/appels/{o.call.id}")


def test_a_deposited_report_is_mailed_to_the_funders_officers_and_waits_for_them(money_world):
    o = money_world
    decision = o.funded(amount_state="0.00", amount_region="2000.00")
    _submitted(o, decision.dossier)
    mails = _mails("Bilan à valider")
    assert [m.recipient for m in mails] == [o.budget_region.email]  # the State grants nothing
    (item,) = _items(o.budget_region, "report_to_validate")
    assert decision.dossier.reference in item["label"]
    assert _items(o.budget_state, "report_to_validate") == []
    assert _items(o.head_a, "report_due") == []


def test_parts_to_commit_and_clawbacks_open_wait_for_the_officers(money_world):
    o = money_world
    uncommitted = o.accepted(commit=False)
    (part,) = _items(o.budget_region, "parts_to_commit")
    assert part["count"] == 1 and part["url"].endswith(
        f"/financement/appels/{o.call.id}/engagements"
    )
    assert uncommitted.dossier.call_id == o.call.id
    decision = o.funded()
    commitment = commitment_of_dossier(decision.dossier, REGION)
    db.session.add(
        Clawback(commitment_id=commitment.id, amount=Decimal("100.00"), reason="Trop perçu.")
    )
    db.session.flush()
    (clawback,) = _items(o.budget_region, "clawbacks_open")
    assert clawback["count"] == 1
    assert _items(o.budget_state, "clawbacks_open") == []


def test_the_report_is_recalled_a_week_before_and_the_day_after_it_is_late(money_world):
    o = money_world
    due = services.today() + dt.timedelta(days=5)
    decision = o.funded(report_due_on=due)
    reference = decision.dossier.reference
    assert run_reminders() == 2  # J-7: Lycée A's head and staff member
    assert run_reminders() == 0
    soon = _mails(f"Rappel : bilan du dossier {reference}")
    assert sorted(m.recipient for m in soon) == sorted([o.head_a.email, o.staff_a.email])
    after = utcnow() + dt.timedelta(days=6, hours=12)
    assert run_reminders(after) == 2
    assert run_reminders(after) == 0
    assert len(_mails(f"Bilan du dossier {reference} en retard")) == 2


def test_the_officer_s_to_do_costs_the_same_queries_whatever_the_dossiers(money_world):
    from ..helpers import count_queries

    o = money_world

    def queries():
        db.session.flush()
        db.session.expire_all()
        with count_queries() as counted:
            todo_list(o.budget_region, utcnow())
            todo_list(o.head_a, utcnow())
        return counted.count

    _submitted(o, o.funded().dossier)
    o.accepted(commit=False)
    few = queries()
    for _ in range(4):
        _submitted(o, o.funded().dossier)
        o.accepted(commit=False)
        o.funded(report_due_on=services.today() - dt.timedelta(days=2))
    assert queries() == few


def test_after_deposit_the_officer_s_home_shows_the_report_to_validate(client, money_world):
    o = money_world
    decision = o.funded(amount_state="0.00", amount_region="2000.00")
    _submitted(o, decision.dossier)
    db.session.commit()
    login(client, o.budget_region)
    page = html.unescape(client.get("/").get_data(as_text=True))
    link = f'href="/financement/dossiers/{decision.dossier.id}/bilan"'
    assert f"Bilan à valider : dossier {decision.dossier.reference}" in page and link in page
    # the State grants nothing here: its officer has nothing to validate
    client.post("/deconnexion")
    login(client, o.budget_state)
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "Bilan à valider" not in page
