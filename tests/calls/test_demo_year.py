"""The demo shows year after year: a call duplicated for the next school year (a draft, with the
review set-up and the envelopes copied) and a co-pilot's deputy."""

from sqlalchemy import func, select

from funding.models import Envelope
from portal import demo
from portal.db import db
from portal.models import Call, CallStatus
from review.models import CopilotDeputy, Criterion


def test_the_demo_has_a_duplicated_draft_call_and_a_deputy(app):
    demo.load("mot-de-passe-demo")
    copy = db.session.scalar(select(Call).where(Call.status == CallStatus.draft))
    assert copy is not None and "(reconduction)" in copy.title
    # a year after the call it copies, and named after the school year of its own dates
    assert copy.school_year == demo.school_year_of(copy.deadline_at.date())
    assert copy.school_year in copy.title
    assert db.session.scalar(select(func.count(Criterion.id)).where(Criterion.call_id == copy.id))
    assert db.session.scalar(select(func.count(Envelope.id)).where(Envelope.call_id == copy.id))
    [deputy] = db.session.scalars(select(CopilotDeputy)).all()
    assert deputy.deputy.email.startswith("suppleant.etat@")
