"""La Lettre de la MLDS: the coordinator's issues. A draft is composed and previewed; publishing
freezes what the preview showed (`content`), mails every confirmed subscriber through the outbox,
and the version never changes again. A correction is a new version of the same number, composed
from the published one and published in its turn (the archive then shows it, « Version 2 —
corrige la version du … »).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, ServiceError
from portal.models import User
from portal.permissions import Permission, require

from ..models import LetterIssue, LetterSheet
from . import letter_content, letter_mail

FROZEN = (
    "Ce numéro est publié : il ne peut plus être modifié. Pour le corriger, créez-en une "
    "nouvelle version."
)
MISSING = "Ce numéro de la Lettre n'existe pas ou n'est pas publié."
MAX_SHEETS = 6
# What a published version may never change (the last line of defence under the services' checks).
FROZEN_COLUMNS = (
    "number", "version", "status", "issue_date", "title", "editorial", "period_start",
    "period_end", "corrects_id", "content", "published_at", "published_by_id",
)  # fmt: skip


@event.listens_for(Session, "before_flush")
def _published_issues_never_change(session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, LetterIssue):
            continue
        state = inspect(obj)
        status = state.attrs.status.history
        was = status.deleted[0] if status.deleted else obj.status
        if was != "published":
            continue
        if obj in session.deleted or any(
            state.attrs[name].history.has_changes() for name in FROZEN_COLUMNS
        ):
            raise Conflict(FROZEN)


def next_number() -> int:
    return (db.session.scalar(select(func.max(LetterIssue.number))) or 0) + 1


def _check(data: dict, issue: LetterIssue | None) -> dict:
    errors: dict[str, str] = {}
    number = data.get("number")
    if not isinstance(number, int) or number < 1:
        errors["number"] = "Indiquez le numéro de la Lettre (un entier positif)."
    elif issue is None or issue.version == 1:
        taken = select(LetterIssue.id).where(LetterIssue.number == number)
        if issue is not None:
            taken = taken.where(LetterIssue.id != issue.id)
        if db.session.scalar(taken.limit(1)) is not None:
            errors["number"] = f"Le numéro {number} existe déjà : choisissez-en un autre."
    elif number != issue.number:
        errors["number"] = "Une nouvelle version garde le numéro de celle qu'elle corrige."
    if not isinstance(data.get("issue_date"), dt.date):
        errors["issue_date"] = "Indiquez la date du numéro."
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = "Donnez un titre à ce numéro."
    elif len(title) > 200:
        errors["title"] = "Le titre ne peut dépasser 200 caractères."
    if not (data.get("editorial") or "").strip():
        errors["editorial"] = "Rédigez l'éditorial."
    start, end = data.get("period_start"), data.get("period_end")
    if not isinstance(start, dt.date):
        errors["period_start"] = "Indiquez le début de la période des chiffres clés."
    if not isinstance(end, dt.date):
        errors["period_end"] = "Indiquez la fin de la période des chiffres clés."
    elif isinstance(start, dt.date) and end < start:
        errors["period_end"] = "La fin de la période doit suivre son début."
    sheet_ids = list(dict.fromkeys(data.get("sheets") or []))
    if len(sheet_ids) > MAX_SHEETS:
        errors["sheets"] = f"Choisissez au plus {MAX_SHEETS} fiches pour un numéro."
    elif set(sheet_ids) - letter_content.public_sheet_ids(sheet_ids):
        errors["sheets"] = "Seules les fiches publiées au catalogue peuvent figurer dans la Lettre."
    if errors:
        raise ServiceError(next(iter(errors.values())), errors=errors)
    return {**data, "title": title, "sheets": sheet_ids}


def _apply(issue: LetterIssue, data: dict) -> None:
    issue.number = data["number"]
    issue.issue_date = data["issue_date"]
    issue.title = data["title"]
    issue.editorial = data["editorial"]
    issue.period_start = data["period_start"]
    issue.period_end = data["period_end"]
    # Keep the links of sheets still chosen (a new link for the same sheet would be inserted
    # before the old one is deleted, against the unique (issue, sheet)); renumber the order.
    kept = {link.sheet_id: link for link in issue.sheets}
    links = []
    for i, sheet_id in enumerate(data["sheets"]):
        link = kept.get(sheet_id) or LetterSheet(sheet_id=sheet_id)
        link.position = i
        links.append(link)
    issue.sheets = links


def create(user: User, data: dict) -> LetterIssue:
    require(user, Permission.COMPOSE_LETTER)
    data = _check(data, None)
    issue = LetterIssue(version=1, status="draft", created_by_id=user.id)
    _apply(issue, data)
    db.session.add(issue)
    db.session.flush()
    audit.record(user, "letter.create", issue, {"number": issue.number})
    return issue


def update(user: User, issue: LetterIssue, data: dict) -> LetterIssue:
    require(user, Permission.COMPOSE_LETTER, issue)
    if issue.published:
        raise Conflict(FROZEN)
    data = _check(data, issue)
    _apply(issue, data)
    db.session.flush()
    audit.record(user, "letter.update", issue, {"number": issue.number})
    return issue


def new_version(user: User, issue: LetterIssue) -> LetterIssue:
    """A draft correcting the latest published version of `issue`'s number (one draft at a time)."""
    require(user, Permission.COMPOSE_LETTER, issue)
    versions = list(
        db.session.scalars(
            select(LetterIssue)
            .where(LetterIssue.number == issue.number)
            .order_by(LetterIssue.version.desc())
        )
    )
    latest = versions[0]
    if not latest.published:
        raise Conflict(
            f"La version {latest.version} du numéro {latest.number} est en cours de rédaction : "
            "modifiez-la plutôt que d'en créer une autre."
        )
    draft = LetterIssue(
        number=latest.number,
        version=latest.version + 1,
        status="draft",
        issue_date=latest.issue_date,
        title=latest.title,
        editorial=latest.editorial,
        period_start=latest.period_start,
        period_end=latest.period_end,
        corrects_id=latest.id,
        created_by_id=user.id,
    )
    still = letter_content.public_sheet_ids([link.sheet_id for link in latest.sheets])
    draft.sheets = [
        LetterSheet(sheet_id=link.sheet_id, position=link.position)
        for link in latest.sheets
        if link.sheet_id in still
    ]
    db.session.add(draft)
    db.session.flush()
    audit.record(user, "letter.new_version", draft, {"corrects": latest.id})
    return draft


def publish(user: User, issue: LetterIssue, now: dt.datetime | None = None) -> int:
    """Freeze the issue as previewed, mail the confirmed subscribers; returns how many."""
    require(user, Permission.COMPOSE_LETTER, issue)
    if issue.published:
        raise Conflict("Ce numéro est déjà publié.")
    now = now or utcnow()
    issue.content = letter_content.build(issue, now)
    issue.status = "published"
    issue.published_at = now
    issue.published_by_id = user.id
    db.session.flush()
    sent = letter_mail.send_issue(issue)
    audit.record(user, "letter.publish", issue, {"number": issue.number, "mails": sent})
    return sent


# ---------------------------------------------------------------- reading


def published_versions(number: int) -> list[LetterIssue]:
    """The published versions of a number, the latest first."""
    return list(
        db.session.scalars(
            select(LetterIssue)
            .where(LetterIssue.number == number, LetterIssue.status == "published")
            .order_by(LetterIssue.version.desc())
        )
    )


def published(number: int, version: int | None = None) -> LetterIssue:
    versions = published_versions(number)
    found = versions[0] if versions and version is None else None
    if version is not None:
        found = next((v for v in versions if v.version == version), None)
    if found is None:
        raise NotFound(MISSING)
    return found


def archive() -> list[LetterIssue]:
    """Each published number once, in its latest version, the newest number first."""
    latest = (
        select(LetterIssue.number, func.max(LetterIssue.version).label("version"))
        .where(LetterIssue.status == "published")
        .group_by(LetterIssue.number)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(LetterIssue)
            .join(
                latest,
                (LetterIssue.number == latest.c.number) & (LetterIssue.version == latest.c.version),
            )
            .order_by(LetterIssue.number.desc())
        )
    )


def all_issues(user: User) -> list[LetterIssue]:
    require(user, Permission.COMPOSE_LETTER)
    return list(
        db.session.scalars(
            select(LetterIssue).order_by(LetterIssue.number.desc(), LetterIssue.version.desc())
        )
    )
