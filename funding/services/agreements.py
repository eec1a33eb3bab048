"""The grant agreement (*convention attributive*): generated, signed by the head, dated by an officer.

- `generate`: a budget officer prepares the agreement of an accepted dossier once every granted
  part is committed; it fixes the number (CONV-<reference>), the amounts per funder, the call's
  advance rate and the final report's due date. Generating again before signature refreshes them.
- `upload_signed`: the establishment's head uploads the signed copy (a PDF), which replaces an
  earlier upload until the signature is recorded.
- `record_signature`: an officer records the signature date; the dossier becomes funded.

Like every service: policy first, audit, flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from applications import workflow
from applications.models import Dossier, DossierStatus
from applications.policy import require_dossier
from applications.services import notify_establishment
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, NotFound, ServiceError
from portal.formatting import PARIS, format_date, format_money
from portal.models import Institution, Role, User
from portal.permissions import Permission, require
from review.services.decisions import decision_of

from .. import money, uploads
from ..models import CommitmentStatus, GrantAgreement
from .commitments import granted_parts
from .common import OF_FUNDER, parse_day, today
from .figures import commitments_of
from .payments import ScheduleLine, schedule

FUNDERS = (Institution.state, Institution.region)


# ---------------------------------------------------------------- reading


def agreement_of(dossier: Dossier) -> GrantAgreement | None:
    return db.session.scalar(select(GrantAgreement).where(GrantAgreement.dossier_id == dossier.id))


def amounts(agreement: GrantAgreement) -> dict[Institution, Decimal]:
    """What the agreement grants per funder (as fixed when it was generated)."""
    return {Institution.state: agreement.amount_state, Institution.region: agreement.amount_region}


def payment_schedule(agreement: GrantAgreement) -> list[ScheduleLine]:
    return schedule(amounts(agreement), agreement.advance_rate)


def generated_on(agreement: GrantAgreement) -> dt.date:
    return agreement.generated_at.astimezone(PARIS).date()


def head_of(dossier: Dossier) -> User | None:
    """The establishment's head (the agreement's signatory), if the portal knows one."""
    heads = db.session.scalars(
        select(User)
        .where(User.establishment_id == dossier.establishment_id, User.active.is_(True))
        .order_by(User.id)
    ).all()
    return next((u for u in heads if Role.applicant_head in u.roles), None)


def final_decision(dossier: Dossier):
    decision = decision_of(dossier)
    if (
        decision is None
        or decision.finalised_at is None
        or getattr(decision.outcome, "value", decision.outcome) != "accept"
    ):
        return None
    return decision


# ---------------------------------------------------------------- generation


def generate(user: User, dossier: Dossier, report_due_on) -> GrantAgreement:
    """Prepare (or prepare again, before signature) the agreement of an accepted dossier.

    Refused: not a budget officer (403; 404 for who may not read the dossier), a dossier that is
    not accepted, a granted part still awaiting its commitment (saying which funder's), a due date
    that is not in the future, an agreement already signed.
    """
    require_dossier(user, Permission.MANAGE_AGREEMENT, dossier)
    agreement = agreement_of(dossier)
    if agreement is not None and agreement.signed_on is not None:
        raise Conflict(
            f"La convention {agreement.number} a été signée le "
            f"{format_date(agreement.signed_on)} : elle ne peut plus être modifiée."
        )
    if dossier.status != DossierStatus.accepted:
        raise Conflict(
            f"Le dossier {dossier.reference} est « {dossier.status_label} » : la "
            "convention se prépare pour un dossier retenu."
        )
    due = parse_day(report_due_on, "report_due_on", allow_future=True, call=dossier.call)
    if due <= today():
        raise ServiceError(
            f"La date limite du bilan ({format_date(due)}) doit être dans le futur.",
            field="report_due_on",
        )
    decision = final_decision(dossier)
    if decision is None:
        raise Conflict(f"Le dossier {dossier.reference} n'a pas de décision d'accord définitive.")
    est = dossier.establishment
    if est.has_managing_body and not (est.managing_body_name and est.legal_representative):
        raise Conflict(
            f"« {est.name} » ({est.kind_label.lower()}) contracte par son organisme gestionnaire, "
            "qui n'est pas renseigné : l'administrateur indique son nom et son représentant "
            "légal dans la fiche de l'établissement, puis la convention peut être générée."
        )
    committed = {c.funder: c for c in commitments_of(dossier)}
    for funder, granted in granted_parts(decision).items():
        if granted > 0 and funder not in committed:
            raise Conflict(
                f"La part {OF_FUNDER[funder]} ({format_money(granted)}) attend son "
                "engagement : la convention pourra être générée une fois cette part "
                "engagée sur l'enveloppe."
            )
    parts = {
        f: (c.amount if c.status == CommitmentStatus.active else money.ZERO)
        for f, c in committed.items()
    }
    if sum(parts.values(), money.ZERO) <= 0:
        raise Conflict(
            f"Aucun montant n'est engagé pour le dossier {dossier.reference} : il n'y a "
            "rien à conventionner."
        )
    values = {
        "report_due_on": due,
        "advance_rate": dossier.call.advance_rate,
        "amount_state": parts.get(Institution.state, money.ZERO),
        "amount_region": parts.get(Institution.region, money.ZERO),
    }
    if agreement is None:
        agreement = GrantAgreement(
            dossier_id=dossier.id,
            number=f"CONV-{dossier.reference}",
            generated_by_id=user.id,
            generated_at=utcnow(),
            **values,
        )
        db.session.add(agreement)
        db.session.flush()
        audit.record(
            user,
            "agreement_generated",
            agreement,
            {"dossier_id": dossier.id, "number": agreement.number, **values},
        )
        return agreement
    before = {key: getattr(agreement, key) for key in values}
    discarded = agreement.signed_key is not None
    for key, value in values.items():
        setattr(agreement, key, value)
    agreement.generated_at = utcnow()
    agreement.generated_by_id = user.id
    changes = audit.diff(before, values)
    if discarded:  # the head signed the previous text: that copy no longer matches
        changes["signed_copy_discarded"] = agreement.signed_sha256
        _clear_signed_copy(agreement)
    db.session.flush()
    audit.record(user, "agreement_regenerated", agreement, changes)
    if discarded:
        notify_establishment(
            dossier,
            f"Convention {agreement.number} à signer de nouveau",
            f"La convention {agreement.number} du dossier « {dossier.title} » a "
            "été modifiée après le dépôt de votre exemplaire signé. "
            "Téléchargez la nouvelle version sur le portail, faites-la signer "
            "par le chef d'établissement et déposez-la à nouveau.",
        )
    return agreement


def _clear_signed_copy(agreement: GrantAgreement) -> None:
    agreement.signed_key = None
    agreement.signed_filename = ""
    agreement.signed_size = None
    agreement.signed_sha256 = ""
    agreement.signed_uploaded_at = None
    agreement.signed_uploaded_by_id = None


# ---------------------------------------------------------------- the signed copy


def _existing(dossier: Dossier) -> GrantAgreement:
    agreement = agreement_of(dossier)
    if agreement is None:
        raise Conflict("La convention n'a pas encore été générée par les services financeurs.")
    return agreement


def upload_signed(user: User, dossier: Dossier, filename: str, data: bytes) -> GrantAgreement:
    """The head deposits the signed agreement: a PDF (by its content) within MAX_UPLOAD_MB; it
    replaces an earlier upload as long as the signature has not been recorded."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    agreement = agreement_of(dossier)
    if agreement is not None and agreement.signed_on is not None:
        raise Conflict(
            f"La signature de la convention a été enregistrée le "
            f"{format_date(agreement.signed_on)} : l'exemplaire signé ne peut plus "
            "être remplacé."
        )
    require(
        user,
        Permission.SIGN_AGREEMENT,
        dossier,
        message="Seul le chef d'établissement dépose la convention signée.",
    )
    agreement = _existing(dossier)
    checked = uploads.check_upload(filename, data, pdf_only=True)
    previous = agreement.signed_sha256 or None
    agreement.signed_key = uploads.new_key(f"agreements/{dossier.id}")
    agreement.signed_filename = checked.filename
    agreement.signed_size = checked.size
    agreement.signed_sha256 = checked.sha256
    agreement.signed_uploaded_at = utcnow()
    agreement.signed_uploaded_by_id = user.id
    uploads.store(agreement.signed_key, checked)  # flushes the row, then writes the bytes
    audit.record(
        user,
        "agreement_signed_copy_uploaded",
        agreement,
        {
            "filename": checked.filename,
            "sha256": checked.sha256,
            "size": checked.size,
            "replaces": previous,
        },
    )
    return agreement


def read_signed(user: User, dossier: Dossier) -> GrantAgreement:
    """The agreement whose signed copy the user may download (VIEW_GRANT); 404 without a copy."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    agreement = agreement_of(dossier)
    if agreement is None or agreement.signed_key is None:
        raise NotFound("Aucun exemplaire signé de la convention n'a été déposé.")
    return agreement


def record_signature(user: User, dossier: Dossier, signed_on) -> GrantAgreement:
    """An officer records the date the agreement was signed: the dossier becomes funded.

    Refused: no signed copy uploaded, a date in the future or before the agreement was generated,
    amounts committed that changed since generation, a signature already recorded.
    """
    require_dossier(user, Permission.MANAGE_AGREEMENT, dossier)
    agreement = _existing(dossier)
    if agreement.signed_on is not None:
        raise Conflict(
            f"La signature de la convention {agreement.number} est déjà enregistrée "
            f"(le {format_date(agreement.signed_on)})."
        )
    workflow.next_state(dossier, "sign_agreement")
    if agreement.signed_key is None:
        raise ServiceError(
            "L'établissement n'a pas encore déposé la convention signée : la "
            "signature ne peut pas être enregistrée.",
            field="signed_on",
        )
    day = parse_day(signed_on, "signed_on", call=dossier.call)
    if day < generated_on(agreement):
        raise ServiceError(
            f"La date de signature ({format_date(day)}) précède la génération de "
            f"la convention, le {format_date(generated_on(agreement))}.",
            field="signed_on",
        )
    current = {
        c.funder: (c.amount if c.status == CommitmentStatus.active else money.ZERO)
        for c in commitments_of(dossier)
    }
    if any(current.get(f, money.ZERO) != amount for f, amount in amounts(agreement).items()):
        raise Conflict(
            "Les montants engagés ont changé depuis la génération de la convention : "
            "générez-la de nouveau et faites signer la nouvelle version."
        )
    before, after = workflow.transition(dossier, "sign_agreement")
    agreement.signed_on = day
    agreement.signature_recorded_by_id = user.id
    agreement.signature_recorded_at = utcnow()
    db.session.flush()
    audit.record(
        user, "agreement_signed", agreement, {"signed_on": day, "sha256": agreement.signed_sha256}
    )
    audit.record(user, "dossier_funded", dossier, {"status": [before.value, after.value]})
    advance = "".join(
        f"\n- {line.funder_label} : avance de {format_money(line.advance)} "
        f"(montant accordé {format_money(line.granted)})"
        for line in payment_schedule(agreement)
    )
    notify_establishment(
        dossier,
        f"Convention {agreement.number} signée",
        f"La signature de la convention {agreement.number} du dossier "
        f"« {dossier.title} » a été enregistrée (signée le {format_date(day)}). "
        f"Le dossier est conventionné.\n\nVersements prévus à la signature :"
        f"{advance}\n\nLe bilan final est attendu au plus tard le "
        f"{format_date(agreement.report_due_on)}.",
    )
    return agreement
