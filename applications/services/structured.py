"""The dossier's structured data for outcomes: the young people targeted by category and age band,
themes and partner kinds from the reference lists, indicators with numbers (the call's common
ones and the dossier's own). Parsers fill `errors` (French, keyed like the form's fields) and
return new rows; `update_dossier` applies them only when nothing was refused.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from portal.db import db
from portal.inputs import length_problem
from portal.reference import (
    AGE_BANDS,
    DIRECTIONS,
    YOUNG_CATEGORIES,
    CallIndicator,
    PartnerKind,
    Theme,
)

from ..models import Dossier, DossierTarget, Indicator

MAX_TARGET = 100_000  # young people per cell (and in all): beyond, a typing error
MAX_VALUE = Decimal("1000000000")
_CENT = Decimal("0.01")


# ---------------------------------------------------------------- reference lists


def partner_kinds() -> list[PartnerKind]:
    """Every kind, inactive ones included (older partners keep them), in the admin's order."""
    return list(
        db.session.scalars(select(PartnerKind).order_by(PartnerKind.position, PartnerKind.id))
    )


def partner_kind_labels() -> dict[str, str]:
    """code → label of every kind: older codes stay readable."""
    return {k.code: k.label for k in partner_kinds()}


def partner_kind_choices(kept=()) -> list[tuple[str, str]]:
    """The active kinds, plus inactive ones already used by the rows shown (`kept` codes)."""
    kept = set(kept)
    return [(k.code, k.label) for k in partner_kinds() if k.active or k.code in kept]


def themes_list() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)))


def theme_choices(kept=()) -> list[tuple[str, str]]:
    """Active themes, plus inactive ones the dossier already has (`kept` codes)."""
    kept = set(kept)
    return [(t.code, t.label) for t in themes_list() if t.active or t.code in kept]


def call_indicators(call) -> list[CallIndicator]:
    return list(
        db.session.scalars(
            select(CallIndicator)
            .where(CallIndicator.call_id == call.id)
            .order_by(CallIndicator.position, CallIndicator.id)
        )
    )


def dossier_labels() -> dict:
    """Labels of every code a dossier shows (pages, PDF): categories, reference lists…"""
    from portal.models import FIELDS

    from ..models import EXPENSE_CATEGORIES, RESOURCE_SOURCES

    return {
        "expense": EXPENSE_CATEGORIES,
        "resource": RESOURCE_SOURCES,
        "partner": partner_kind_labels(),
        "fields": FIELDS,
        "categories": YOUNG_CATEGORIES,
        "bands": AGE_BANDS,
        "directions": DIRECTIONS,
        "target_table": target_table,
    }


# ---------------------------------------------------------------- parsing


def count_problem(value) -> tuple[int | None, str | None]:
    """A number of young people: blank → None; else (int, None) or (None, French message)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, "Indiquez un nombre entier de jeunes."
    if isinstance(value, float):
        if not value.is_integer():
            return None, "Indiquez un nombre entier de jeunes (sans décimale)."
        value = int(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value))
    if re.fullmatch(r"-\d+", text):
        return None, "Le nombre de jeunes ne peut pas être négatif."
    if re.fullmatch(r"\d+[.,]\d*", text):
        return None, "Indiquez un nombre entier de jeunes (sans décimale)."
    if not text.isdigit():
        return None, f"« {value} » n'est pas un nombre : indiquez un nombre entier de jeunes."
    number = int(text)
    if number > MAX_TARGET:
        return None, f"Au plus {MAX_TARGET:,} jeunes.".replace(",", "\u202f")
    return number, None


def value_problem(value) -> tuple[Decimal | None, str | None]:
    """An indicator's value: `12,5`, `12.5`, 12.5 → Decimal('12.50'); blank → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, "Indiquez un nombre, par exemple 12 ou 12,5."
    text = repr(value) if isinstance(value, float) else str(value)
    text = re.sub(r"[\s\u00a0\u202f%]", "", text).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, f"« {value} » n'est pas un nombre : écrivez par exemple 12 ou 12,5."
    if not number.is_finite():
        return None, f"« {value} » n'est pas un nombre : écrivez par exemple 12 ou 12,5."
    if number < 0:
        return None, "La valeur ne peut pas être négative."
    if number > MAX_VALUE:
        return None, "La valeur est trop élevée (au plus 1 000 000 000)."
    if number != number.quantize(_CENT):
        return None, "La valeur a au plus deux décimales."
    return number.quantize(_CENT), None


def parse_targets(data: dict, errors: dict) -> tuple[list[DossierTarget], int | None]:
    """`targets`: a list of {category, age_band, count} (or a {category: {band: count}} map).
    Returns the non-zero cells and their sum (None when every cell is blank)."""
    raw = data.get("targets")
    cells: list[tuple[str, str, object]] = []
    if isinstance(raw, dict):
        for category, bands in raw.items():
            if not isinstance(bands, dict):
                errors["targets"] = "Tableau attendu : catégorie → tranche d'âge → nombre."
                return [], None
            cells.extend((category, band, count) for band, count in bands.items())
    elif isinstance(raw, list):
        for row in raw:
            if not isinstance(row, dict):
                errors["targets"] = "Liste attendue de {category, age_band, count}."
                return [], None
            cells.append((row.get("category"), row.get("age_band"), row.get("count")))
    elif raw is not None:
        errors["targets"] = "Liste attendue de {category, age_band, count}."
        return [], None
    rows: list[DossierTarget] = []
    seen = set()
    total, given = 0, False
    for category, band, count in cells:
        key = f"targets-{category}-{band}"
        if category not in YOUNG_CATEGORIES or band not in AGE_BANDS:
            errors[key] = "Catégorie de jeunes ou tranche d'âge inconnue."
            continue
        if (category, band) in seen:
            errors[key] = "Cette catégorie et cette tranche d'âge sont données deux fois."
            continue
        seen.add((category, band))
        number, problem = count_problem(count)
        if problem:
            errors[key] = problem
            continue
        if number is None:
            continue
        given = True
        total += number
        if number:
            rows.append(DossierTarget(category=category, age_band=band, count=number))
    if total > MAX_TARGET and "targets" not in errors:
        errors["targets"] = f"Au plus {MAX_TARGET:,} jeunes en tout.".replace(",", "\u202f")
    order = {
        (c, b): i for i, (c, b) in enumerate((c, b) for c in YOUNG_CATEGORIES for b in AGE_BANDS)
    }
    rows.sort(key=lambda r: order[(r.category, r.age_band)])
    return rows, (total if given else None)


def parse_themes(data: dict, dossier: Dossier, errors: dict) -> list[Theme]:
    """`themes`: theme codes; active ones, or inactive ones the dossier already has."""
    raw = data.get("themes") or []
    if not isinstance(raw, (list, tuple)) or not all(isinstance(c, str) for c in raw):
        errors["themes"] = "Liste de codes de thèmes attendue."
        return []
    kept = {t.code for t in dossier.themes}
    by_code = {t.code: t for t in themes_list()}
    chosen = []
    for code in dict.fromkeys(raw):
        theme = by_code.get(code)
        if theme is None or not (theme.active or code in kept):
            errors["themes"] = f"« {code} » n'est pas un thème de la liste."
            continue
        chosen.append(theme)
    return sorted(chosen, key=lambda t: (t.position, t.id))


def allowed_partner_kinds(dossier: Dossier) -> set[str]:
    """Active kinds, plus inactive ones the dossier's partners already have."""
    kept = {p.kind for p in dossier.partners}
    return {k.code for k in partner_kinds() if k.active or k.code in kept}


def parse_indicators(rows: list[dict], dossier: Dossier, errors: dict) -> list[Indicator]:
    """Rows: {call_indicator_id} for one of the call's common indicators, or {name, unit,
    direction} for the dossier's own; each with `baseline_value` and `target_value` (numbers,
    decimal comma accepted). The free texts `baseline`/`target` of older dossiers are kept."""
    common = {ci.id: ci for ci in call_indicators(dossier.call)}
    seen: set[int] = set()
    out = []
    for i, row in enumerate(rows):
        ref = row.get("call_indicator_id")
        ci = None
        if ref not in (None, ""):
            try:
                ci = common.get(int(ref))
            except (TypeError, ValueError):
                ci = None
            if ci is None:
                errors[f"indicators-{i}-call_indicator_id"] = (
                    "Cet indicateur n'est pas un indicateur commun de l'appel."
                )
            elif ci.id in seen:
                errors[f"indicators-{i}-call_indicator_id"] = "Cet indicateur est retenu deux fois."
            else:
                seen.add(ci.id)
        if ci is not None:
            name, unit, direction = ci.label, ci.unit, ci.direction
        else:
            name = str(row.get("name") or "").strip()
            if ref in (None, "") and (not name or len(name) > 200):
                errors[f"indicators-{i}-name"] = "Nommez l'indicateur (200 caractères au plus)."
            unit = str(row.get("unit") or "").strip()
            if len(unit) > 40:
                errors[f"indicators-{i}-unit"] = "L'unité fait au plus 40 caractères."
            direction = row.get("direction") or "up"
            if direction not in DIRECTIONS:
                errors[f"indicators-{i}-direction"] = "Choisissez le sens de l'indicateur."
        values = {}
        for key in ("baseline_value", "target_value"):
            values[key], problem = value_problem(row.get(key))
            if problem:
                errors[f"indicators-{i}-{key}"] = problem
        texts = {}
        for key in ("baseline", "target"):
            texts[key] = str(row.get(key) or "").strip()
            problem = length_problem(texts[key], 100)
            if problem:
                errors[f"indicators-{i}-{key}"] = problem
        out.append(
            Indicator(
                call_indicator_id=ci.id if ci is not None else None,
                name=name[:200],
                unit=unit[:40],
                direction=direction if direction in DIRECTIONS else "up",
                position=i,
                **values,
                **texts,
            )
        )
    return out


def indicator_row(i: Indicator) -> dict:
    """An indicator as plain data (snapshot, API, initial form data)."""
    return {
        "call_indicator_id": i.call_indicator_id,
        "name": i.name,
        "unit": i.unit or "",
        "direction": i.direction or "up",
        "baseline_value": None if i.baseline_value is None else str(i.baseline_value),
        "target_value": None if i.target_value is None else str(i.target_value),
        "baseline": i.baseline or "",
        "target": i.target or "",
    }


def target_rows(dossier: Dossier) -> list[dict]:
    return [
        {"category": t.category, "age_band": t.age_band, "count": t.count} for t in dossier.targets
    ]


def target_table(targets) -> list[dict]:
    """For display: one row per category with a count per band and its total, and the totals."""
    cells = {}
    for t in targets:
        category = t["category"] if isinstance(t, dict) else t.category
        band = t["age_band"] if isinstance(t, dict) else t.age_band
        cells[(category, band)] = t["count"] if isinstance(t, dict) else t.count
    rows = []
    for code, label in YOUNG_CATEGORIES.items():
        counts = [cells.get((code, band), 0) for band in AGE_BANDS]
        rows.append({"code": code, "label": label, "counts": counts, "total": sum(counts)})
    totals = [sum(r["counts"][j] for r in rows) for j in range(len(AGE_BANDS))]
    return rows + [{"code": "", "label": "Total", "counts": totals, "total": sum(totals)}]


def usage_count(sender, **_) -> int:
    """Receiver of `portal.signals.reference_in_use`: the dossiers using a theme, a partner kind
    or a common indicator (the kernel never deletes one in use)."""
    from sqlalchemy import func

    from ..models import DossierTheme, Partner

    if isinstance(sender, Theme):
        query = select(func.count()).where(DossierTheme.theme_id == sender.id)
    elif isinstance(sender, PartnerKind):
        query = select(func.count(func.distinct(Partner.dossier_id))).where(
            Partner.kind == sender.code
        )
    elif isinstance(sender, CallIndicator):
        query = select(func.count(func.distinct(Indicator.dossier_id))).where(
            Indicator.call_indicator_id == sender.id
        )
    else:
        return 0
    return db.session.scalar(query) or 0
