"""Import of the annuaire de l'éducation open-data export (CSV, `;`, UTF-8 with or without BOM).

`import_establishments(stream)` does the work inside the caller's transaction and returns a
report; the `import-establishments` command wraps it and commits once.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, TextIO

import click
from sqlalchemy import select

from portal import audit, uai as uai_rules
from portal.db import db
from portal.errors import ServiceError
from portal.models import ACADEMY_DEPARTMENTS, Establishment, EstablishmentKind

from .services import ensure_department

COLUMNS = {
    "uai": "identifiant_de_l_etablissement",
    "name": "nom_etablissement",
    "type": "type_etablissement",
    "status": "statut_public_prive",
    "department": "code_departement",
    "commune": "nom_commune",
    "email": "mail",
}
REQUIRED = ("uai", "name", "type", "department")
# Optional columns of the dataset that tell a lycée's tracks apart ("1" / "0").
TRACK_COLUMNS = ("voie_generale", "voie_technologique", "voie_professionnelle", "lycee_agricole")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outside_academy: int = 0
    other_types: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.created} établissement(s) créé(s), {self.updated} mis à jour, "
            f"{self.unchanged} inchangé(s).",
            f"{self.outside_academy} ligne(s) hors de l'académie ignorée(s), "
            f"{self.other_types} ligne(s) d'un autre type (écoles, services…) ignorée(s).",
            f"{len(self.invalid)} ligne(s) invalide(s)" + (" :" if self.invalid else "."),
        ]
        lines += [f"  ligne {line} : {message}" for line, message in self.invalid]
        return "\n".join(lines)


def _plain(text: str) -> str:
    """Lower case without accents, for matching labels like « Lycée » or « Privé »."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def department_code(raw: str) -> str:
    """'086' or '86' → '86'; Corsica's '02A' → '2A'."""
    code = (raw or "").strip().upper()
    return code.lstrip("0") or code


def classify(row: dict) -> EstablishmentKind | None:
    """The establishment kind from the dataset's type, sector, tracks and name; None: not ours."""
    kind = _plain(row.get("type", ""))
    name = _plain(row.get("name", ""))
    private = _plain(row.get("status", "")).startswith("priv")
    if "maison familiale" in name or kind.startswith("maison familiale"):
        return EstablishmentKind.mfr
    if (kind.startswith("erea") or name.startswith("erea ")
            or "regional d'enseignement adapte" in name):
        return EstablishmentKind.erea
    if kind.startswith("college"):
        return EstablishmentKind.college
    if not kind.startswith("lycee"):
        return None
    tracks = {col: (row.get(col) or "").strip() == "1" for col in TRACK_COLUMNS}
    if tracks["lycee_agricole"] or "agricole" in name:
        return EstablishmentKind.lycee_agricole
    if private:
        return EstablishmentKind.lycee_prive
    if "polyvalent" in name or (tracks["voie_professionnelle"]
                                 and (tracks["voie_generale"] or tracks["voie_technologique"])):
        return EstablishmentKind.lpo
    if "professionnel" in name or tracks["voie_professionnelle"]:
        return EstablishmentKind.lp
    return EstablishmentKind.lgt


def _text_stream(stream) -> TextIO:
    """Text as is; bytes decoded as UTF-8, a leading BOM dropped."""
    if isinstance(stream, io.TextIOBase):
        return stream
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def import_establishments(stream, *, actor=None,
                          progress: Callable[[int], None] | None = None) -> ImportReport:
    """Create or update (matched on UAI) the académie's establishments listed in the export.

    Rows of other départements and of other types are counted and skipped; a row with an invalid
    UAI or without a name is reported with its line number and changes nothing. Never commits.
    """
    reader = csv.reader(_text_stream(stream), delimiter=";")
    try:
        header = next(reader)
    except StopIteration:
        raise ServiceError("Le fichier est vide.") from None
    names = [_plain(h.lstrip("\ufeff")).strip('"') for h in header]
    index = {}
    for key, column in COLUMNS.items():
        if column in names:
            index[key] = names.index(column)
    for column in TRACK_COLUMNS:
        if column in names:
            index[column] = names.index(column)
    missing = [COLUMNS[key] for key in REQUIRED if key not in index]
    if missing:
        raise ServiceError("Colonne(s) absente(s) de l'en-tête : " + ", ".join(missing)
                           + ". Le fichier doit être l'export CSV (séparateur « ; ») de "
                             "l'annuaire de l'éducation.")

    known = {e.uai: e for e in db.session.scalars(select(Establishment))}
    report = ImportReport()
    for cells in reader:
        line = reader.line_num
        if progress:
            progress(1)
        if not any(c.strip() for c in cells):
            continue
        row = {key: (cells[i].strip() if i < len(cells) else "") for key, i in index.items()}
        dep = department_code(row["department"])
        if dep not in ACADEMY_DEPARTMENTS:
            report.outside_academy += 1
            continue
        try:
            code = uai_rules.validate(row["uai"])
        except ValueError as exc:
            report.invalid.append((line, str(exc)))
            continue
        kind = classify(row)
        if kind is None:
            report.other_types += 1
            continue
        name = " ".join(row["name"].split())
        if not name:
            report.invalid.append((line, f"l'établissement {code} n'a pas de nom."))
            continue
        values = {"name": name[:200], "kind": kind,
                  "public": not _plain(row.get("status", "")).startswith("priv"),
                  "department_code": dep, "commune": row.get("commune", "")[:120],
                  "email": row.get("email", "").lower()[:200]}
        est = known.get(code)
        if est is None:
            ensure_department(dep)
            est = Establishment(uai=code, priority_education="", **values)
            db.session.add(est)
            known[code] = est
            report.created += 1
        elif any(getattr(est, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(est, k, v)
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    audit.record(actor, "establishments_imported", None,
                 {"created": report.created, "updated": report.updated,
                  "unchanged": report.unchanged, "outside_academy": report.outside_academy,
                  "other_types": report.other_types, "invalid": len(report.invalid)})
    return report


def _count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return max(0, sum(1 for _ in f) - 1)


@click.command("import-establishments")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_establishments_command(path):
    """Import establishments from the annuaire de l'éducation CSV export."""
    total = _count_lines(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f, \
                click.progressbar(length=total, label="Import des établissements") as bar:
            report = import_establishments(f, progress=bar.update)
    except UnicodeDecodeError:
        db.session.rollback()
        raise click.ClickException("Le fichier n'est pas encodé en UTF-8.") from None
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(report.summary())
