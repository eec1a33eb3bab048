"""Issue 9, input at the boundary, on the review screens and API: a control character in a
review comment is refused on its field, nothing saved."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.inputs import CONTROL_MESSAGE
from review.models import Review, ReviewStatus, Score

from ..api.helpers import bearer, cli_token
from ..conftest import login
from .helpers import form

CONTROL = "Ce champ contient un caractère invisible non autorisé (caractère de contrôle)"


def test_a_control_character_in_a_review_comment_is_refused(client, sw):
    login(client, sw.state_reviewer)
    response = client.post(
        f"/instruction/evaluations/{sw.r_state.id}",
        data=form(sw, sw.r_state, comment="À suivre\x00"),
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True).replace("&#39;", "'")
    assert CONTROL in body and 'id="comment-error"' in body
    db.session.expire_all()
    assert db.session.get(Review, sw.r_state.id).status == ReviewStatus.assigned
    assert db.session.scalars(select(Score)).all() == []


def test_a_control_character_in_the_review_api_is_refused(client, sw):
    token = cli_token(sw.state_reviewer)
    db.session.commit()
    response = client.put(
        f"/api/v1/reviews/{sw.r_state.id}",
        headers=bearer(token),
        json={
            "version": sw.r_state.version,
            "comment": "ok",
            "scores": [{"criterion_id": sw.relevance.id, "value": "3", "comment": "\x00"}],
        },
    )
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"scores-0-comment": CONTROL_MESSAGE}
    db.session.expire_all()
    assert db.session.scalars(select(Score)).all() == []
