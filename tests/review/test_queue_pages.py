"""The reviewer's queue page by page: progress over every assignment, 50 rows a page (issue 13)."""

from __future__ import annotations

from portal.db import db
from portal.models import Institution
from review.models import Review
from review.services import queue
from review.services import scoring as scoring_svc

from ..conftest import login
from .helpers import full, make_in_review


def _assign(sw, factory, count: int) -> list[Review]:
    reviews = []
    for _ in range(count):
        dossier = make_in_review(factory, sw.call, sw.w.head_b)
        review = Review(
            dossier_id=dossier.id, reviewer_id=sw.state_reviewer.id, institution=Institution.state
        )
        db.session.add(review)
        reviews.append(review)
    db.session.flush()
    return reviews


def test_the_queue_is_paged_and_counts_every_assignment(client, sw, factory, monkeypatch):
    _assign(sw, factory, 4)  # 5 assignments with sw's own
    scoring_svc.save_review(sw.state_reviewer, sw.r_state, full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, sw.r_state)
    db.session.flush()
    rows = queue.reviewer_queue(sw.state_reviewer)
    references = [row.dossier.reference for row in rows]
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    login(client, sw.state_reviewer)
    seen = []
    for number in (1, 2, 3):
        body = client.get(f"/instruction/mes-dossiers?page={number}").get_data(as_text=True)
        assert "1 dossier évalué sur 5" in body  # the whole queue, whatever the page
        assert f"(page {number} sur 3)" in body
        seen.append([ref for ref in references if ref in body])
    assert seen == [references[0:2], references[2:4], references[4:5]]  # queue order, no overlap
    # the first unfinished review (queue order) is offered on every page
    first_open = next(row.review.id for row in rows if row.unfinished)
    assert f'href="/instruction/evaluations/{first_open}">Reprendre</a>' in body
    # a page number out of range shows the last page, not an error
    body = client.get("/instruction/mes-dossiers?page=99").get_data(as_text=True)
    assert references[4] in body and references[0] not in body
    assert client.get("/instruction/mes-dossiers?page=abc").status_code == 200


def test_the_summary_equals_the_full_queue(sw, factory):
    reviews = _assign(sw, factory, 3)
    scoring_svc.save_review(sw.state_reviewer, reviews[1], full(sw), None)
    scoring_svc.submit_review(sw.state_reviewer, reviews[1])
    db.session.flush()
    rows = queue.reviewer_queue(sw.state_reviewer)
    (entry,) = queue.queue_summary(sw.state_reviewer)
    assert entry["total"] == len(rows) == 4
    assert entry["done"] == sum(1 for row in rows if not row.unfinished) == 1
    assert entry["resume"] == next(row.review.id for row in rows if row.unfinished)
    assert entry["call_title"] == sw.call.title
    # next after the last unfinished wraps round to the first one
    unfinished = [row.review.id for row in rows if row.unfinished]
    assert queue.next_unfinished(sw.state_reviewer, unfinished[0]) == unfinished[1]
    assert queue.next_unfinished(sw.state_reviewer, unfinished[-1]) == unfinished[0]


def test_a_queue_without_assignment_has_no_summary(sw):
    assert queue.queue_summary(sw.outsider) == []


def test_the_queue_gives_the_phase_s_end_with_its_time_and_what_is_left(client, sw):
    import datetime as dt

    from portal.db import utcnow
    from portal.formatting import format_datetime, time_left
    from review.services import phases

    ends = (utcnow() + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    phases.set_phase_ends(sw.w.call_admin, sw.call, {"independent_scoring": ends})
    db.session.flush()
    login(client, sw.state_reviewer)
    body = client.get("/instruction/mes-dossiers").get_data(as_text=True)
    assert f"(jusqu'au {format_datetime(ends)} — " in body and " h " in format_datetime(ends)
    assert time_left(ends, utcnow()).lower() in body  # « plus que 5 jours »
