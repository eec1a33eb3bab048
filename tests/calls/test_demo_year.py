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
    copy = db.session.scalar(select(Call).where(Call.school_year == "2016-2017"))
    assert copy is not None and copy.status == CallStatus.draft
    assert db.session.scalar(select(func.count(Criterion.id)).where(Criterion.call_id == copy.id))
    assert db.session.scalar(select(func.count(Envelope.id)).where(Envelope.call_id == copy.id))
    [deputy] = db.session.scalars(select(CopilotDeputy)).all()
    assert deputy.deputy.email.startswith("suppleant.etat@")
