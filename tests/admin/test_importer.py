"""Import of the annuaire de l'éducation export."""

import io

import pytest
from sqlalchemy import func, select

from portal.admin.importer import classify, import_establishments
from portal.db import db
from portal.errors import ServiceError
from portal.models import AuditEvent, Establishment, EstablishmentKind
from portal.uai import with_check_letter

LGT = with_check_letter("0860100")
LP = with_check_letter("0860101")
COLLEGE = with_check_letter("0170102")
AGRI = with_check_letter("0790103")
PRIVE = with_check_letter("0160104")
PARIS = with_check_letter("0750105")

HEADER = (
    "identifiant_de_l_etablissement;NOM_ETABLISSEMENT;Type_etablissement;"
    "Statut_public_prive;Code_departement;Nom_commune;Mail;Colonne_en_plus"
)


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


@pytest.mark.parametrize(
    "name, type_, status, tracks, kind",
    [
        ("Lycée polyvalent Louis Audouin-Dubreuil", "Lycée", "Public", {}, EstablishmentKind.lpo),
        (
            "Lycée Marguerite de Valois",
            "Lycée",
            "Public",
            {"voie_generale": "1", "voie_professionnelle": "1"},
            EstablishmentKind.lpo,
        ),
        (
            "Lycée Jean Moulin",
            "Lycée",
            "Public",
            {"voie_professionnelle": "1"},
            EstablishmentKind.lp,
        ),
        ("Maison familiale rurale de Chauvigny", "Lycée", "Privé", {}, EstablishmentKind.mfr),
        ("EREA Anne Frank", "EREA", "Public", {}, EstablishmentKind.erea),
        ("Lycée Kyoto", "Lycée", "Public", {}, EstablishmentKind.lgt),
        ("Collège Sainte-Marthe", "Collège", "Privé", {}, EstablishmentKind.college),
        ("École élémentaire Paul Bert", "Ecole", "Public", {}, None),
    ],
)
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


# ------------------------------------------------------------ a realistic extract (issue 9)


REAL_HEADER = (
    "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;"
    "Statut_public_prive;Adresse_1;Code_postal;Code_commune;Nom_commune;"
    "Code_departement;Libelle_departement;Telephone;Mail;SIREN_SIRET;"
    "Appartenance_Education_Prioritaire;Voie_generale;Voie_technologique;"
    "Voie_professionnelle;Lycee_Agricole;etat;date_fermeture"
)
OPEN_A = with_check_letter("0860200")
OPEN_B = with_check_letter("0170201")
SHUT = with_check_letter("0790202")
SHUT_DATED = with_check_letter("0160203")
REP = with_check_letter("0860204")


def _real(
    uai,
    name,
    dep,
    *,
    type_="Lycée",
    mail="",
    siret="",
    ep="",
    etat="OUVERT",
    closing="",
    tracks="1;1;0;0",
):
    return (
        f"{uai};{name};{type_};Public;1 rue de l'École;{dep}000;{dep}194;Ville;0{dep};"
        f"Département;05 49 00 00 00;{mail};{siret};{ep};{tracks};{etat};{closing}"
    )


EXTRACT = [
    _real(
        OPEN_A, "Lycée Victor Hugo", "86", mail="ce.0860200@ac-poitiers.fr", siret="19860200100012"
    ),  # line 2
    _real(OPEN_B, "Lycée Dautet", "17", siret="19170201400019"),  # line 3
    _real(SHUT, "Lycée fermé de Melle", "79", etat="FERME", closing="2014-07-04"),  # line 4
    _real(
        SHUT_DATED,
        "Collège Jules Ferry",
        "16",
        type_="Collège",
        closing="2013-08-31",
        tracks="0;0;0;0",
    ),  # line 5
    _real(
        REP, "Collège Camille Guérin", "86", type_="Collège", ep="REP+", tracks="0;0;0;0"
    ),  # line 6
    _real(with_check_letter("0750210"), "Lycée Henri IV", "75"),  # line 7: Paris
    _real("0860000B", "Lycée à l'UAI faux", "86"),  # line 8: refused
    _real(OPEN_B, "Lycée Alphonse Dautet", "17", siret="19170201400019"),  # line 9: again
]


def _imports() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "establishments_imported")
    )


def test_realistic_extract_counts_closed_duplicates_and_refusals():
    report = import_establishments(io.StringIO(_csv(*EXTRACT, header=REAL_HEADER)))
    assert (report.created, report.updated, report.unchanged, report.closed) == (3, 0, 0, 2)
    assert report.outside_academy == 1
    assert [line for line, _ in report.invalid] == [8]
    assert report.duplicates == [(OPEN_B, 3, 9)]
    found = _by_uai()
    assert found[OPEN_B].name == "Lycée Alphonse Dautet"  # the last line wins
    assert found[SHUT].is_closed and found[SHUT].closed_on.isoformat() == "2014-07-04"
    assert found[SHUT_DATED].is_closed  # a closing date in the past closes it
    assert not found[OPEN_A].is_closed
    assert found[OPEN_A].siret == "19860200100012"
    assert found[OPEN_A].email == "ce.0860200@ac-poitiers.fr"
    assert found[REP].priority_education == "REP+" and found[OPEN_A].priority_education == ""
    summary = report.summary()
    for text in (
        "3 établissement(s) créé(s)",
        "0 mis à jour",
        "0 inchangé(s)",
        "2 fermé(s)",
        "1 ligne(s) hors de l'académie",
        "1 ligne(s) refusée(s)",
        "ligne 8 :",
        f"UAI {OPEN_B} en double : lignes 3 et 9",
    ):
        assert text in summary, summary


def test_rerunning_the_same_file_changes_nothing_and_audits_nothing():
    data = _csv(*EXTRACT, header=REAL_HEADER)
    import_establishments(io.StringIO(data))
    audited = _imports()
    report = import_establishments(io.StringIO(data))
    assert (report.created, report.updated, report.closed, report.unchanged) == (0, 0, 0, 5)
    assert _imports() == audited


def test_an_establishment_closing_later_is_counted_closed_once():
    import_establishments(io.StringIO(_csv(EXTRACT[0], header=REAL_HEADER)))
    closing = EXTRACT[0].replace(";OUVERT;", ";FERME;")
    report = import_establishments(io.StringIO(_csv(closing, header=REAL_HEADER)))
    assert (report.created, report.updated, report.closed) == (0, 0, 1)
    assert _by_uai()[OPEN_A].is_closed


def test_cli_dry_run_prints_the_counts_and_records_nothing(app, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_text(_csv(*EXTRACT, header=REAL_HEADER), encoding="utf-8")
    audited = _imports()
    result = app.test_cli_runner().invoke(args=["import-establishments", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 établissement(s) créé(s)" in result.output and "2 fermé(s)" in result.output
    assert "rien n'a été enregistré" in result.output
    assert OPEN_A not in _by_uai() and _imports() == audited


def test_a_closed_establishment_cannot_be_invited_to(factory):
    from portal.auth.services import create_user
    from portal.models import Role

    import_establishments(io.StringIO(_csv(EXTRACT[2], header=REAL_HEADER)))
    admin = factory.user(Role.admin)
    with pytest.raises(ServiceError, match="fermé"):
        create_user(
            admin, email="chef@ac-poitiers.fr", full_name="Chef", roles=["applicant_head"], uai=SHUT
        )
