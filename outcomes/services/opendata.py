"""The granted subsidies as open data: the SCDL « subventions » schema, version 2.1.1.

Décret 2017-779 and arrêté of 17 November 2017: each funder publishes the essential data of its
subsidy agreements. One file per funder and calendar year of signature: UTF-8, comma-separated,
ISO dates, decimal point. The Table Schema descriptor kept in `outcomes/data/` is the reference
the tests validate the files against.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import extract, func, select
from sqlalchemy.orm import joinedload

from applications.models import BudgetLine, Dossier
from funding.models import Commitment, GrantAgreement, Payment
from portal.db import db
from portal.errors import NotFound, Unavailable
from portal.exports import defuse
from portal.models import INSTITUTION_SHORT_LABELS, Institution
from portal.siret import validate_siret

from ..policy import published_subsidies

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "scdl-subventions-2.1.1.json"
COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
OBJECT_MAX = 256
CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Funder:
    institution: Institution
    name: str
    siret: str

    @property
    def slug(self) -> str:
        return {Institution.state: "etat", Institution.region: "region"}[self.institution]


def funder(institution: Institution) -> Funder:
    cfg = current_app.config
    key = institution.value.upper()
    return Funder(institution, cfg[f"FUNDER_NAME_{key}"], cfg[f"FUNDER_SIRET_{key}"])


def funder_of_slug(slug: str) -> Funder:
    for institution in Institution:
        if funder(institution).slug == slug:
            return funder(institution)
    raise NotFound("Ce financeur n'existe pas : « etat » ou « region ».")


def table_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def files() -> list[dict]:
    """The files that exist: one per funder and year with at least one signed agreement."""
    year = extract("year", GrantAgreement.signed_on)
    stmt = (
        published_subsidies()
        .with_only_columns(Commitment.funder, year, func.count())
        .group_by(Commitment.funder, year)
        .order_by(year.desc(), Commitment.funder)
    )
    rows = db.session.execute(stmt).all()
    out = []
    for institution, signed_year, count in rows:
        f = funder(Institution(institution))
        out.append(
            {
                "funder": f,
                "label": INSTITUTION_SHORT_LABELS[f.institution],
                "year": int(signed_year),
                "count": count,
                "ready": bool(f.siret),
            }
        )
    return out


def _share(part: Decimal, total: Decimal) -> Decimal:
    """The funder's share of the project's cost, 0.01–1 as the schema requires."""
    if total <= 0:
        return Decimal("1.0000")
    share = (part / total).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
    return min(max(share, Decimal("0.0100")), Decimal("1.0000"))


def _period(agreement: GrantAgreement, payments: list[dt.date]) -> tuple[str, str]:
    """conditionsVersement and datesPeriodeVersement, from the agreement's schedule."""
    staggered = agreement.advance_rate and agreement.advance_rate > 0
    if not staggered:
        when = payments[0] if payments else None
        return "unique", (when or agreement.report_due_on).isoformat()
    start = min([agreement.signed_on, *payments])
    end = max([agreement.report_due_on, *payments])
    return "échelonné", f"{start.isoformat()}/{end.isoformat()}"


FIRST_YEAR, LAST_YEAR = 2000, 2100


def rows(institution: Institution, year: int) -> Iterator[dict]:
    """The SCDL rows of one funder's agreements signed in `year`, in signature order."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(f"Aucun fichier pour l'année {year}.")
    f = funder(institution)
    if not f.siret:
        key = f"FUNDER_SIRET_{institution.value.upper()}"
        raise Unavailable(
            f"Le SIRET de l'attribuant ({INSTITUTION_SHORT_LABELS[institution]}) n'est pas "
            f"configuré ({key}) : le fichier ne peut pas être publié.",
        )
    try:
        validate_siret(f.siret)
    except ValueError:
        raise Unavailable(
            f"Le SIRET configuré de l'attribuant ({INSTITUTION_SHORT_LABELS[institution]}) "
            "n'est pas valide : le fichier ne peut pas être publié.",
        ) from None
    stmt = (
        published_subsidies()
        .where(
            Commitment.funder == institution,
            extract("year", GrantAgreement.signed_on) == year,
        )
        .options(joinedload(GrantAgreement.dossier).joinedload(Dossier.establishment))
        .options(joinedload(GrantAgreement.dossier).joinedload(Dossier.call))
        .order_by(GrantAgreement.signed_on, GrantAgreement.number)
    )
    pairs = db.session.execute(stmt).unique().all()
    ids = [agreement.dossier_id for agreement, _ in pairs]
    costs = dict(
        db.session.execute(
            select(BudgetLine.dossier_id, func.sum(BudgetLine.amount))
            .where(BudgetLine.dossier_id.in_(ids), BudgetLine.kind == "expense")
            .group_by(BudgetLine.dossier_id)
        ).all()
    )
    paid: dict[int, list[dt.date]] = {}
    for commitment_id, paid_on in db.session.execute(
        select(Payment.commitment_id, Payment.paid_on)
        .where(Payment.commitment_id.in_([c.id for _, c in pairs]))
        .order_by(Payment.paid_on)
    ):
        paid.setdefault(commitment_id, []).append(paid_on)
    for agreement, commitment in pairs:
        amount = (
            agreement.amount_state if institution == Institution.state else agreement.amount_region
        )
        if amount is None or amount <= 0:
            continue
        dossier = agreement.dossier
        est = dossier.establishment
        conditions, period = _period(agreement, paid.get(commitment.id, []))
        total = Decimal(costs.get(dossier.id) or 0)
        yield {
            "nomAttribuant": f.name,
            "idAttribuant": f.siret,
            "dateConvention": agreement.signed_on.isoformat(),
            "referenceDecision": f"DEC-{dossier.reference}",
            "nomBeneficiaire": defuse(est.beneficiary_name or est.name),
            "idBeneficiaire": est.beneficiary_siret,
            "rnaBeneficiaire": est.beneficiary_rna,
            "objet": defuse(" ".join(dossier.title.split()))[:OBJECT_MAX],
            "montant": str(Decimal(amount).quantize(CENT)),
            "nature": "aide en numéraire",
            "conditionsVersement": conditions,
            "datesPeriodeVersement": period,
            "idRAE": "",
            "notificationUE": "non",
            "pourcentageSubvention": str(_share(Decimal(amount), total)),
            "dispositifAide": defuse(" ".join(dossier.call.title.split())),
        }


def csv_text(institution: Institution, year: int) -> str:
    """The file: header then rows, comma-separated, CRLF, no BOM (the SCDL's CSV)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(institution, year):
        writer.writerow(row)
    return buffer.getvalue()


def file_name(institution: Institution, year: int) -> str:
    return f"subventions-{funder(institution).slug}-{year}.csv"
