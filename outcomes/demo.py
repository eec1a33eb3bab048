"""Demo data of the outcomes area, through the area's own services (after funding's reports).

- The practice sheets (`load_sheets`): the deposited final reports of the demo get the head's
  publication consent; the coordinator writes their sheets from the dossier and the report and
  validates all but one (a draft stays), so the catalogue, a sheet, her list, her « À faire » and
  her home all show something.

- La Lettre de la MLDS (`load_letters`): issue 1 published and corrected by a version 2, issue 2
  published, issue 3 a draft; a few confirmed subscribers (and one awaiting confirmation). The
  issues feature the public sheets of the catalogue when its demo has published some (run the
  catalogue's part first).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from funding.models import FinalReport
from portal.db import db, utcnow
from portal.models import Role, User

from .models import LetterSubscriber
from .services import catalogue_sheets, letter, letter_content, letter_subscribers

EDITORIAL_1 = """Bienvenue dans la première **Lettre de la MLDS** !

Chaque trimestre, elle vous donnera des nouvelles des projets financés par le rectorat et la
Région pour prévenir le décrochage scolaire, et des pratiques qui ont fait leurs preuves.

- des chiffres clés, tirés des bilans des établissements ;
- des fiches de projets à partager ;
- les appels à projets ouverts et leurs dates limites.

Bonne lecture, et [écrivez-nous](mailto:mlds@ac-poitiers.fr) vos idées pour la suite."""

EDITORIAL_2 = """## Des projets qui essaiment

Les bilans de l'année montrent des résultats encourageants : la plupart des jeunes accompagnés
sont restés scolarisés ou ont repris une formation.

Ce numéro met en avant des projets dont les équipes acceptent de partager l'expérience :
n'hésitez pas à les contacter par l'intermédiaire de leur établissement."""


def _coordinator(users: list[User]) -> User | None:
    return next((u for u in users if u.has_role(Role.coordinator)), None)


def load_letters(users: list[User], now: dt.datetime) -> None:
    coordinator = _coordinator(users)
    if coordinator is None:
        return
    for i, email in enumerate(
        ["lettre.cio-poitiers@demo.ac-poitiers.fr", "lettre.mission-locale@demo.ac-poitiers.fr",
         "lettre.greta@demo.ac-poitiers.fr"]
    ):  # fmt: skip
        sub = LetterSubscriber(
            email=email,
            status="confirmed",
            unsubscribe_salt=f"demo{i:028d}",
            confirmed_at=now - dt.timedelta(days=120 - i),
        )
        db.session.add(sub)
    letter_subscribers.subscribe("lettre.en-attente@demo.ac-poitiers.fr", now)
    db.session.flush()
    sheets = [s.id for s in letter_content.public_sheets()]
    today = now.date()
    year_ago = today - dt.timedelta(days=365)
    first = letter.create(
        coordinator,
        {
            "number": 1,
            "issue_date": today - dt.timedelta(days=90),
            "title": "Une lettre pour partager ce qui marche",
            "editorial": EDITORIAL_1,
            "period_start": year_ago,
            "period_end": today - dt.timedelta(days=91),
            "sheets": sheets[:2],
        },
    )
    letter.publish(coordinator, first, now - dt.timedelta(days=90))
    correction = letter.new_version(coordinator, first)
    letter.update(
        coordinator,
        correction,
        {
            "number": 1,
            "issue_date": correction.issue_date,
            "title": first.title,
            "editorial": EDITORIAL_1.replace("Chaque trimestre", "Trois fois par an"),
            "period_start": first.period_start,
            "period_end": first.period_end,
            "sheets": [link.sheet_id for link in correction.sheets],
        },
    )
    letter.publish(coordinator, correction, now - dt.timedelta(days=88))
    second = letter.create(
        coordinator,
        {
            "number": 2,
            "issue_date": today - dt.timedelta(days=10),
            "title": "Les premiers bilans de l'année",
            "editorial": EDITORIAL_2,
            "period_start": year_ago,
            "period_end": today,
            "sheets": sheets[2:5] or sheets[:3],
        },
    )
    letter.publish(coordinator, second, now - dt.timedelta(days=10))
    letter.create(
        coordinator,
        {
            "number": 3,
            "issue_date": today + dt.timedelta(days=60),
            "title": "Numéro en préparation",
            "editorial": "À venir : les projets de l'appel en cours.",
            "period_start": today - dt.timedelta(days=90),
            "period_end": today,
            "sheets": sheets[:1],
        },
    )
    db.session.flush()


RESULTS = "Les jeunes accompagnés ont repris pied dans leur scolarité ; l'équipe poursuit l'action."


def load_sheets(users: list[User]) -> list:
    coordinator = next((u for u in users if u.has_role(Role.coordinator)), None)
    if coordinator is None:
        return []
    deposited = list(
        db.session.scalars(
            select(FinalReport)
            .where(FinalReport.status.in_(catalogue_sheets.DEPOSITED))
            .order_by(FinalReport.id)
        )
    )
    sheets = []
    for index, report in enumerate(deposited):
        if not report.publication_consent:
            report.publication_consent = True  # the head agreed on the report (demo's past)
            report.consent_changed_at = utcnow() - dt.timedelta(days=20)
        db.session.flush()
        if index == len(deposited) - 1 and len(deposited) > 4:
            continue  # one project still « à rédiger »
        wording = catalogue_sheets.prefill(report)
        wording["results"] = wording["results"] or RESULTS
        publish = index < len(deposited) - (2 if len(deposited) > 4 else 1)
        sheets.append(
            catalogue_sheets.save(coordinator, report.dossier_id, wording, publish=publish)
        )
    return sheets


def on_demo_loading(_sender=None, *, users, now, **_):
    """Receiver of `portal.signals.demo_loading`: the practice sheets, then the Lettre that
    features them (areas' order: after funding's final reports)."""

    def step():
        load_sheets(users)
        load_letters(users, now)

    return ("outcomes", step)
