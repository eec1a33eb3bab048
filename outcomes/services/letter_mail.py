"""The Lettre by mail: one message per confirmed subscriber, through the outbox (sent by the job
queue after the commit), with the List-Unsubscribe headers of RFC 2369 and RFC 8058 (one-click:
a mail client posts « List-Unsubscribe=One-Click » to the link) and the link in the text."""

from __future__ import annotations

from flask import current_app, render_template

from portal.mail import queue_mail

from ..models import LetterIssue
from . import letter_subscribers


def issue_url(issue: LetterIssue) -> str:
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    return f"{base}/lettre/{issue.number}/version-{issue.version}"


def subject(issue: LetterIssue) -> str:
    corrected = f" (version {issue.version}, corrigée)" if issue.version > 1 else ""
    return f"La Lettre de la MLDS n° {issue.number}{corrected} — {issue.title}"


def send_issue(issue: LetterIssue) -> int:
    content = issue.content
    url = issue_url(issue)
    count = 0
    for sub in letter_subscribers.confirmed():
        link = letter_subscribers.unsubscribe_url(sub)
        body = render_template(
            "outcomes/letter/mail.txt", content=content, url=url, unsubscribe=link
        )
        queue_mail(
            sub.email,
            subject(issue),
            body,
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        count += 1
    return count
