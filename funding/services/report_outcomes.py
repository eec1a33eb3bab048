"""What the final report says the project achieved, in figures: the young people actually reached
by category (`ReportReach`), what became of them (`ReportOutcome`), the value achieved for each of
the dossier's indicators (`ReportIndicator.achieved_value`), and the head's consent to show the
project in the public catalogue of practices.

The counts add up like a budget: the outcomes' total must equal the young people reached, and
`FinalReport.young_reached` is that total. A refusal names the sum that differs and by how much,
on its field; nothing is changed. Older reports (rows without `indicator_id`) keep their free
text, shown as it was typed.

Consent: only the head of the establishment gives or withdraws it (Permission.CONSENT_PUBLICATION),
withdrawal at any time, even once the report is validated; it never touches the report's status
nor its version (an officer's page in review stays valid). The public catalogue reads
`publication_consent` live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import update

from applications.models import Dossier
from applications.policy import require_dossier
from portal import audit
from portal.db import db, utcnow
from portal.errors import Conflict, ServiceError
from portal.formatting import format_decimal, format_integer
from portal.models import User
from portal.permissions import Permission, can, require
from portal.reference import OUTCOMES, YOUNG_CATEGORIES, target_met

from ..models import FinalReport, ReportIndicator, ReportOutcome, ReportReach
from .report_parts import report_of

MAX_YOUNG = 100_000
MAX_VALUE = Decimal("999999999999.99")
CONSENT_LABEL = (
    "J'accepte que ce projet soit présenté dans le catalogue public des pratiques "
    "(sans aucune donnée personnelle)"
)
HEAD_ONLY = "Seul le chef d'établissement peut donner ou retirer l'accord de publication."
WITHDRAW_CONSEQUENCES = [
    "Le projet est retiré aussitôt du catalogue public des pratiques (sa fiche n'y est plus "
    "visible).",
    "Le bilan et sa validation ne changent pas.",
    "Vous pourrez redonner votre accord plus tard depuis cette page.",
]


# ---------------------------------------------------------------- reading typed input


def _count(raw, field: str, errors: dict) -> int | None:
    """A count of young people (blank: None); else a French error on `field`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        value = -1
    elif isinstance(raw, int):
        value = raw
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", str(raw))
        value = int(text) if text.isdigit() else -1
    if value < 0 or value > MAX_YOUNG:
        errors[field] = (
            f"Indiquez un nombre entier de jeunes, entre 0 et {format_integer(MAX_YOUNG)}."
        )
        return None
    return value


def parse_counts(raw, vocabulary: dict, prefix: str, errors: dict) -> dict[str, int]:
    """{key: count} of the keys typed in (blank ones left out); errors on `prefix-key`."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors[prefix] = "Indiquez les effectifs par catégorie."
        return {}
    counts = {}
    for key, value in raw.items():
        if key not in vocabulary:
            errors[prefix] = f"Catégorie inconnue : « {str(key)[:40]} »."
            continue
        count = _count(value, f"{prefix}-{key}", errors)
        if count is not None:
            counts[key] = count
    return {key: counts[key] for key in vocabulary if key in counts}


def parse_value(raw, field: str, unit: str, errors: dict) -> Decimal | None:
    """A value achieved, typed the French way (`12,5`, `1 234`, `9 %`, the unit allowed after it);
    blank: None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    message = "« {} » n'est pas un nombre : écrivez par exemple 12 ou 12,5."
    if isinstance(raw, bool):
        errors[field] = message.format(raw)
        return None
    text = str(raw).strip()
    if unit and text.lower().endswith(unit.lower()):
        text = text[: -len(unit)]
    text = re.sub(r"[\s\u00a0\u202f%]", "", text).replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[field] = message.format(str(raw)[:40])
        return None
    if not value.is_finite():
        errors[field] = message.format(str(raw)[:40])
    elif value < 0:
        errors[field] = "Indiquez une valeur positive ou nulle."
    elif value > MAX_VALUE:
        errors[field] = "Cette valeur est trop grande."
    elif value != value.quantize(Decimal("0.01")):
        errors[field] = "Indiquez une valeur avec au plus deux décimales."
    else:
        return value.quantize(Decimal("0.01"))
    return None


def _young(n: int) -> str:
    return f"{format_integer(n)} jeune{'s' if n > 1 else ''}"


def check_sums(reach: dict[str, int], outcomes: dict[str, int], errors: dict) -> None:
    """The outcomes' total must equal the young people reached (when both are given)."""
    if not reach or not outcomes:
        return
    reached, ended = sum(reach.values()), sum(outcomes.values())
    if reached != ended:
        gap = abs(reached - ended)
        errors["outcomes"] = (
            f"La somme des situations à l'issue du projet ({_young(ended)}) doit être égale au "
            f"nombre de jeunes touchés ({_young(reached)}) : "
            + (
                f"il en manque {format_integer(gap)}."
                if ended < reached
                else f"{_young(gap)} de trop."
            )
        )


def check_young_reached(raw, reach: dict[str, int], errors: dict) -> None:
    """A total sent with the categories must be their sum (it is computed otherwise)."""
    if raw in (None, "") or not reach:
        return
    total = _count(raw, "young_reached", errors)
    if total is not None and total != sum(reach.values()):
        errors["reach"] = (
            f"Le nombre de jeunes touchés indiqué ({_young(total)}) diffère de la somme par "
            f"catégorie ({_young(sum(reach.values()))}) : écart de {format_integer(abs(total - sum(reach.values())))}."
        )


# ---------------------------------------------------------------- writing


def _replace_counts(rows: list, new: dict[str, int], key: str, model) -> tuple[dict, dict] | None:
    """Update the rows in place (the unique constraint forbids insert-before-delete); returns
    (old, new) when something changed."""
    old = {getattr(r, key): r.count for r in rows}
    if old == new:
        return None
    for row in list(rows):
        name = getattr(row, key)
        if name in new:
            row.count = new[name]
        else:
            rows.remove(row)
    for name, count in new.items():
        if name not in old:
            rows.append(model(**{key: name, "count": count}))
    return old, new


def apply_counts(
    report: FinalReport, reach: dict | None, outcomes: dict | None, diff: dict
) -> None:
    if reach is not None:
        changed = _replace_counts(report.reach, reach, "category", ReportReach)
        if changed:
            diff["reach"] = list(changed)
        total = sum(reach.values()) if reach else None
        if report.young_reached != total:
            diff["young_reached"] = [report.young_reached, total]
            report.young_reached = total
    if outcomes is not None:
        changed = _replace_counts(report.outcomes, outcomes, "outcome", ReportOutcome)
        if changed:
            diff["outcomes"] = list(changed)


def indicator_values(report: FinalReport, values: list, errors: dict) -> list:
    """Each row's value as typed: a number for the dossier's indicators (`indicator_id` set),
    free text for an older report's rows."""
    out = []
    for i, row in enumerate(report.indicators):
        raw = values[i] if i < len(values) else ""
        field = f"indicators-{i}-achieved"
        if row.indicator_id is None:
            text = str(raw if raw is not None else "").strip()
            if len(text) > 100:
                errors[field] = "Cette valeur fait au plus 100 caractères."
            out.append(text)
        else:
            unit = row.indicator.unit if row.indicator is not None else ""
            out.append(parse_value(raw, field, unit, errors))
    return out


def apply_indicators(report: FinalReport, values: list, diff: dict) -> None:
    old = [_shown(row) for row in report.indicators]
    for row, value in zip(report.indicators, values):
        if row.indicator_id is None:
            row.achieved = value
        else:
            row.achieved_value = value
    new = [_shown(row) for row in report.indicators]
    if old != new:
        diff["indicators"] = [old, new]


def _shown(row: ReportIndicator):
    return row.achieved if row.indicator_id is None else row.achieved_value


def missing(report: FinalReport | None) -> dict[str, str]:
    """What the figures still lack for submission, field → French message."""
    out: dict[str, str] = {}
    if report is None or not report.reach:
        out["reach"] = (
            "Indiquez les jeunes touchés par catégorie (0 pour une catégorie non concernée)."
        )
    elif not report.outcomes:
        out["outcomes"] = "Indiquez ce que sont devenus les jeunes touchés."
    else:
        check_sums(
            {r.category: r.count for r in report.reach},
            {o.outcome: o.count for o in report.outcomes},
            out,
        )
    for i, row in enumerate(report.indicators if report else []):
        if row.indicator_id is None:
            if not row.achieved.strip():
                out[f"indicators-{i}-achieved"] = (
                    f"Indiquez la valeur atteinte pour « {row.name} »."
                )
        elif row.achieved_value is None:
            out[f"indicators-{i}-achieved"] = (
                f"Indiquez la valeur atteinte pour « {row.name} », en nombre."
            )
    return out


# ---------------------------------------------------------------- consent


def may_consent(user: User, dossier: Dossier) -> bool:
    return can(user, Permission.CONSENT_PUBLICATION, dossier)


def _record_consent(user: User, report: FinalReport, consent: bool) -> None:
    """Set the consent without touching the report's version (its review stays valid)."""
    before = report.publication_consent
    now = utcnow()
    db.session.execute(
        update(FinalReport)
        .where(FinalReport.id == report.id)
        .values(publication_consent=consent, consent_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(report, ["publication_consent", "consent_changed_at"])
    audit.record(
        user,
        "publication_consent_given" if consent else "publication_consent_withdrawn",
        report,
        {"publication_consent": [before, consent]},
    )


def set_consent(user: User, dossier: Dossier, consent: bool) -> FinalReport:
    """The head gives or withdraws the consent to publication, whatever the report's status."""
    require_dossier(user, Permission.VIEW_GRANT, dossier)
    report = report_of(dossier)
    if report is None:
        raise Conflict(
            "Le bilan final n'est pas encore commencé : l'accord de publication se donne sur le "
            "bilan.",
            field="publication_consent",
        )
    require(user, Permission.CONSENT_PUBLICATION, dossier, message=HEAD_ONLY)
    if not isinstance(consent, bool):
        raise ServiceError("Indiquez true ou false.", field="publication_consent")
    if report.publication_consent != consent:
        db.session.flush()
        _record_consent(user, report, consent)
    return report


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of the report page, the PDF and the API: target vs achieved."""

    name: str
    unit: str
    direction: str
    baseline: str  # as shown: the number, or an older dossier's free text
    target: str
    achieved: str
    target_value: Decimal | None
    achieved_value: Decimal | None
    met: bool | None
    indicator_id: int | None


def _number(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = format_decimal(value, 0 if value == value.to_integral_value() else 2)
    return f"{text} {unit}".strip() if unit else text


def indicator_lines(report: FinalReport | None, dossier: Dossier | None) -> list[IndicatorLine]:
    """The report's indicators (the dossier's, before the report is started)."""
    if report is None:
        pairs = [(None, ind) for ind in dossier.indicators]
    else:
        pairs = [(row, row.indicator) for row in report.indicators]
    lines = []
    for row, ind in pairs:
        unit = ind.unit if ind is not None else ""
        direction = ind.direction if ind is not None else "up"
        target_value = ind.target_value if ind is not None else None
        achieved_value = row.achieved_value if row is not None else None
        lines.append(
            IndicatorLine(
                name=row.name if row is not None else ind.name,
                unit=unit,
                direction=direction,
                baseline=(
                    _number(ind.baseline_value, unit) or ind.baseline if ind is not None else ""
                ),
                target=_number(target_value, unit)
                or (ind.target if ind is not None else row.target),
                achieved=_number(achieved_value, unit) or (row.achieved if row is not None else ""),
                target_value=target_value,
                achieved_value=achieved_value,
                met=target_met(direction, target_value, achieved_value),
                indicator_id=ind.id if ind is not None else None,
            )
        )
    return lines


def reach_of(report: FinalReport | None) -> dict[str, int]:
    return {r.category: r.count for r in report.reach} if report else {}


def outcomes_of(report: FinalReport | None) -> dict[str, int]:
    return {o.outcome: o.count for o in report.outcomes} if report else {}


VOCABULARIES = {"reach": YOUNG_CATEGORIES, "outcomes": OUTCOMES}
