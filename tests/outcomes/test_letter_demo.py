"""The demo shows the Lettre: two published issues (the first corrected by a version 2), a draft,
confirmed subscribers; and the outbox carries extra headers on one line each."""

from sqlalchemy import select

from outcomes.models import LetterIssue, LetterSubscriber
from portal import demo, mail
from portal.db import db


def test_the_demo_has_two_published_issues_and_subscribers(app, client):
    demo.load("mot-de-passe-demo")
    issues = db.session.scalars(select(LetterIssue).order_by(LetterIssue.id)).all()
    published = {(i.number, i.version) for i in issues if i.published}
    assert published == {(1, 1), (1, 2), (2, 1)}
    assert any(not i.published for i in issues)
    confirmed = db.session.scalars(
        select(LetterSubscriber).where(LetterSubscriber.status == "confirmed")
    ).all()
    assert len(confirmed) >= 3
    archive = client.get("/lettre").get_data(as_text=True)
    assert "N° 2 —" in archive and "N° 1 —" in archive
    assert "corrige la version 1" in client.get("/lettre/1").get_data(as_text=True)


def test_extra_headers_are_one_line_each(app):
    msg = mail.queue_mail(
        "a@exemple.fr",
        "Objet",
        "Corps",
        headers={"List-Unsubscribe": "<https://x.fr/d>\r\nBcc: victime@exemple.fr"},
    )
    db.session.flush()
    email = mail.compose(msg, "mlds@ac-poitiers.fr")
    assert email["Bcc"] is None
    assert email["List-Unsubscribe"] == "<https://x.fr/d> Bcc: victime@exemple.fr"
    plain = mail.queue_mail("b@exemple.fr", "Objet", "Corps")
    assert plain.headers is None
