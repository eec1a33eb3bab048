"""Import of the annuaire de l'éducation export."""
import io

import pytest
from sqlalchemy import func, select

from portal.admin.importer import classify, import_establishments
from portal.db import db
from portal.errors import ServiceError
from portal.models import Establishment, EstablishmentKind
from portal.uai import with_check_letter

LGT = with_check_letter("0860100")
LP = with_check_letter("0860101")
COLLEGE = with_check_letter("0170102")
AGRI = with_check_letter("0790103")
PRIVE = with_check_letter("0160104")
PARIS = with_check_letter("0750105")

HEADER = ("identifiant_de_l_etablissement;NOM_ETABLISSEMENT;Type_etablissement;"
          "Statut_public_prive;Code_departement;Nom_commune;Mail;Colonne_en_plus")


def _csv(*rows, header=HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


ROWS = [
    f"{LGT};Lycée Camille Guérin;Lycée;Public;086;Poitiers;ce.{LGT.lower()}@ac-poitiers.fr;x",
    f"{LP};Lycée professionnel Édouard Branly;Lycée;Public;86;Châtellerault;;x",
    f"{COLLEGE};Collège Fromentin;Collège;Public;017;La Rochelle;;x",
    f"{AGRI};Lycée agricole Jacques Bujault;Lycée;Public;079;Melle;;x",
    f"{PRIVE};Lycée Saint-Paul;Lycée;Privé;016;Angoulême;;x",
    f"{PARIS};Lycée Henri IV;Lycée;Public;075;Paris;;x",
    "0860000B;Lycée à l'UAI faux;Lycée;Public;086;Poitiers;;x",
]


def _by_uai() -> dict:
    return {e.uai: e for e in db.session.scalars(select(Establishment))}


@pytest.mark.parametrize("bom", [True, False])
def test_import_creates_the_academy_establishments(bom):
    data = _csv(*ROWS).encode("utf-8")
    report = import_establishments(io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + data))
    assert (report.created, report.updated, report.outside_academy) == (5, 0, 1)
    assert [line for line, _ in report.invalid] == [8]
    assert "lettre de contrôle" in report.invalid[0][1]
    found = _by_uai()
    assert PARIS not in found and "0860000B" not in found
    assert found[LGT].kind == EstablishmentKind.lgt and found[LGT].department_code == "86"
    assert found[LGT].email == f"ce.{LGT.lower()}@ac-poitiers.fr"
    assert found[LP].kind == EstablishmentKind.lp and found[LP].commune == "Châtellerault"
    assert found[COLLEGE].kind == EstablishmentKind.college
    assert found[AGRI].kind == EstablishmentKind.lycee_agricole
    assert found[PRIVE].kind == EstablishmentKind.lycee_prive and found[PRIVE].public is False


def test_reimport_updates_instead_of_duplicating():
    import_establishments(io.StringIO(_csv(*ROWS)))
    count = db.session.scalar(select(func.count()).select_from(Establishment))
    renamed = ROWS[0].replace("Lycée Camille Guérin", "Lycée Camille-Guérin (rénové)")
    report = import_establishments(io.StringIO(_csv(renamed, *ROWS[1:])))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert db.session.scalar(select(func.count()).select_from(Establishment)) == count
    assert _by_uai()[LGT].name == "Lycée Camille-Guérin (rénové)"


def test_text_stream_with_bom_character_is_read():
    report = import_establishments(io.StringIO("\ufeff" + _csv(ROWS[0])))
    assert report.created == 1


def test_missing_column_is_refused():
    with pytest.raises(ServiceError, match="identifiant_de_l_etablissement"):
        import_establishments(io.StringIO("Nom_etablissement;Type_etablissement\nA;Lycée\n"))


@pytest.mark.parametrize("name, type_, status, tracks, kind", [
    ("Lycée polyvalent Louis Audouin-Dubreuil", "Lycée", "Public", {}, EstablishmentKind.lpo),
    ("Lycée Marguerite de Valois", "Lycée", "Public",
     {"voie_generale": "1", "voie_professionnelle": "1"}, EstablishmentKind.lpo),
    ("Lycée Jean Moulin", "Lycée", "Public", {"voie_professionnelle": "1"}, EstablishmentKind.lp),
    ("Maison familiale rurale de Chauvigny", "Lycée", "Privé", {}, EstablishmentKind.mfr),
    ("EREA Anne Frank", "EREA", "Public", {}, EstablishmentKind.erea),
    ("Lycée Kyoto", "Lycée", "Public", {}, EstablishmentKind.lgt),
    ("Collège Sainte-Marthe", "Collège", "Privé", {}, EstablishmentKind.college),
    ("École élémentaire Paul Bert", "Ecole", "Public", {}, None),
])
def test_classify(name, type_, status, tracks, kind):
    assert classify({"name": name, "type": type_, "status": status, **tracks}) == kind


def test_cli_imports_and_prints_a_french_summary(app, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv(*ROWS).encode("utf-8"))
    result = app.test_cli_runner().invoke(args=["import-establishments", str(path)])
    assert result.exit_code == 0, result.output
    assert "5 établissement(s) créé(s)" in result.output
    assert "1 ligne(s) hors de l'académie" in result.output
    assert "ligne 8 :" in result.output
    assert LGT in _by_uai()


def test_cli_refuses_a_file_that_is_not_the_export(app, tmp_path):
    path = tmp_path / "autre.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-establishments", str(path)])
    assert result.exit_code != 0
    assert "Colonne(s) absente(s)" in result.output
