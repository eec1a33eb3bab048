"""Import of the annuaire de l'éducation open-data export (CSV, `;`, UTF-8 with or without BOM).

`import_establishments(stream)` does the work inside the caller's transaction and returns a
report; the `import-establishments` command wraps it and commits once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

import click
from sqlalchemy import select

from portal import audit
from portal import uai as uai_rules
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
    "siret": "siren_siret",
    "priority": "appartenance_education_prioritaire",
    "state": "etat",
    "closing": "date_fermeture",
}
REQUIRED = ("uai", "name", "type", "department")
# Optional columns of the dataset that tell a lycée's tracks apart ("1" / "0").
TRACK_COLUMNS = ("voie_generale", "voie_technologique", "voie_professionnelle", "lycee_agricole")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0  # created closed, or closed since the last import
    outside_academy: int = 0
    other_types: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)  # refused lines
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # uai, first, last

    @property
    def refused(self) -> list[tuple[int, str]]:
        return self.invalid

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.closed

    def summary(self) -> str:
        lines = [
            f"{self.created} établissement(s) créé(s), {self.updated} mis à jour, "
            f"{self.unchanged} inchangé(s), {self.closed} fermé(s).",
            f"{self.outside_academy} ligne(s) hors de l'académie ignorée(s), "
            f"{self.other_types} ligne(s) d'un autre type (écoles, services…) ignorée(s).",
            f"{len(self.invalid)} ligne(s) refusée(s)" + (" :" if self.invalid else "."),
        ]
        lines += [f"  ligne {line} : {message}" for line, message in self.invalid]
        if self.duplicates:
            lines.append(
                f"{len(self.duplicates)} UAI en double dans le fichier "
                "(la dernière ligne l'emporte) :"
            )
            lines += [
                f"  UAI {uai} en double : lignes {first} et {last}"
                for uai, first, last in self.duplicates
            ]
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
    if (
        kind.startswith("erea")
        or name.startswith("erea ")
        or "regional d'enseignement adapte" in name
    ):
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
    if "polyvalent" in name or (
        tracks["voie_professionnelle"] and (tracks["voie_generale"] or tracks["voie_technologique"])
    ):
        return EstablishmentKind.lpo
    if "professionnel" in name or tracks["voie_professionnelle"]:
        return EstablishmentKind.lp
    return EstablishmentKind.lgt


def _text_stream(stream) -> TextIO:
    """Text as is; bytes decoded as UTF-8, a leading BOM dropped."""
    if isinstance(stream, io.TextIOBase):
        return stream
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def _closing(row: dict, line: int) -> tuple[bool, dt.date | None]:
    """(closed, closing date) from the `etat` and `date_fermeture` columns."""
    raw = (row.get("closing") or "").strip()
    closed_on = None
    if raw:
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                closed_on = dt.datetime.strptime(raw[:10], fmt).date()
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"date de fermeture illisible : « {raw} » (attendu AAAA-MM-JJ).")
    state = _plain(row.get("state", ""))
    closed = state.startswith("ferm") or (closed_on is not None and closed_on <= dt.date.today())
    return closed, closed_on


def _priority(raw: str) -> str:
    text = "".join((raw or "").upper().split())
    return text if text in ("REP", "REP+") else ""


def _header_index(header: list[str]) -> dict[str, int]:
    names = [_plain(h.lstrip("\ufeff")).strip('"') for h in header]
    index = {key: names.index(column) for key, column in COLUMNS.items() if column in names}
    index.update({column: names.index(column) for column in TRACK_COLUMNS if column in names})
    missing = [COLUMNS[key] for key in REQUIRED if key not in index]
    if missing:
        raise ServiceError(
            "Colonne(s) absente(s) de l'en-tête : "
            + ", ".join(missing)
            + ". Le fichier doit être l'export CSV (séparateur « ; ») de "
            "l'annuaire de l'éducation."
        )
    return index


def _read(stream, report: ImportReport, progress) -> dict[str, tuple[int, dict]]:
    """The académie's rows by UAI, duplicates resolved (the last line wins, both reported)."""
    reader = csv.reader(_text_stream(stream), delimiter=";")
    try:
        header = next(reader)
    except StopIteration:
        raise ServiceError("Le fichier est vide.") from None
    index = _header_index(header)
    rows: dict[str, tuple[int, dict]] = {}
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
            closed, closed_on = _closing(row, line)
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
        values = {
            "name": name[:200],
            "kind": kind,
            "public": not _plain(row.get("status", "")).startswith("priv"),
            "department_code": dep,
            "commune": row.get("commune", "")[:120],
            "email": row.get("email", "").lower()[:200],
        }
        # Columns an older extract lacks leave what the portal knows (an admin's REP) alone.
        if "siret" in row:
            values["siret"] = "".join(row["siret"].split())[:14]
        if "priority" in row:
            values["priority_education"] = _priority(row["priority"])
        if "state" in row or "closing" in row:
            values.update(closed=closed, closed_on=closed_on)
        if code in rows:
            report.duplicates.append((code, rows[code][0], line))
        rows[code] = (line, values)
    return rows


def import_establishments(
    stream, *, actor=None, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Create or update (matched on UAI) the académie's establishments listed in the export.

    Rows of other départements and of other types are counted and skipped; a row with an invalid
    UAI, closing date or without a name is refused with its line number and changes nothing; a
    UAI listed twice takes its last line. `dry_run` counts without changing anything. An import
    that changes nothing writes no audit event. Never commits.
    """
    report = ImportReport()
    rows = _read(stream, report, progress)
    known = {e.uai: e for e in db.session.scalars(select(Establishment))}
    for code, (_line, values) in rows.items():
        est = known.get(code)
        newly_closed = values.get("closed", False) and (est is None or not est.closed)
        if est is None:
            if not dry_run:
                ensure_department(values["department_code"])
                db.session.add(Establishment(uai=code, **{"priority_education": "", **values}))
        elif all(getattr(est, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        elif not dry_run:
            for k, v in values.items():
                setattr(est, k, v)
        if newly_closed:
            report.closed += 1
        elif est is None:
            report.created += 1
        else:
            report.updated += 1
    if not dry_run:
        db.session.flush()
        if report.changes:
            audit.record(
                actor,
                "establishments_imported",
                None,
                {
                    "created": report.created,
                    "updated": report.updated,
                    "closed": report.closed,
                    "unchanged": report.unchanged,
                    "outside_academy": report.outside_academy,
                    "other_types": report.other_types,
                    "invalid": len(report.invalid),
                    "duplicates": len(report.duplicates),
                },
            )
    return report


def _count_lines(path: str) -> int:
    with open(path, "rb") as f:
        return max(0, sum(1 for _ in f) - 1)


@click.command("import-establishments")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Compter sans rien enregistrer.")
def import_establishments_command(path, dry_run):
    """Import establishments from the annuaire de l'éducation CSV export."""
    total = _count_lines(path)
    try:
        with (
            open(path, encoding="utf-8-sig", newline="") as f,
            click.progressbar(length=total, label="Import des établissements") as bar,
        ):
            report = import_establishments(f, dry_run=dry_run, progress=bar.update)
    except UnicodeDecodeError:
        db.session.rollback()
        raise click.ClickException("Le fichier n'est pas encodé en UTF-8.") from None
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    if dry_run:
        db.session.rollback()
        click.echo(report.summary())
        click.echo("Simulation (--dry-run) : rien n'a été enregistré.")
        return
    db.session.commit()
    click.echo(report.summary())
