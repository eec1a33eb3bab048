"""Every XLSX export of the portal, downloaded from the demo as its users would: header bold and
frozen, an autofilter over the whole table, every column sized, amounts in euros, scores and other
decimals with two decimals (issue 12, « Spreadsheets »). A new export route must be listed here."""

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from portal import demo
from portal.db import db
from portal.exports import MIN_WIDTH, MONEY_FORMAT, NUMBER_FORMAT
from portal.models import Call, User
from tests.conftest import login

PASSWORD = "mot-de-passe-demo"

# endpoint → (the demo account that exports, the URLs: one per call when the export is a call's)
EXPORTS = {
    "applications.export_list": ("gestion.etat", "/dossiers/deposes/export.xlsx"),
    "review.export_ranking": ("gestion.etat", "/instruction/appels/{call}/classement.xlsx"),
    "review.export_reviews": ("gestion.etat", "/instruction/appels/{call}/evaluations.xlsx"),
    "funding.export_commitments": ("budget.etat", "/financement/appels/{call}/engagements.xlsx"),
    "funding.export_payments": ("budget.etat", "/financement/appels/{call}/paiements.xlsx"),
    "funding.export_reports": ("budget.etat", "/financement/appels/{call}/bilans.xlsx"),
    "outcomes.dashboard_export": ("coordination.mlds", "/resultats.xlsx"),
}
# A header naming money must say it is in euros, so its column gets the euro format.
MONEY_WORDS = re.compile(r"^(Montant|Demandé|Accordé|Versé|Payé|Reste à payer|Coût)", re.I)


def test_every_export_route_is_checked_here(app):
    routes = {
        r.endpoint for r in app.url_map.iter_rules() if "fmt" in r.arguments or ".xlsx" in r.rule
    }
    assert routes == set(EXPORTS)


def _sheets(client):
    demo.load(PASSWORD)
    calls = [c.id for c in db.session.scalars(select(Call).order_by(Call.id))]
    for endpoint, (local, url) in EXPORTS.items():
        user = db.session.scalar(select(User).where(User.email.startswith(local + "@")))
        login(client, user, PASSWORD)
        urls = [url.format(call=c) for c in calls] if "{call}" in url else [url]
        for one in urls:
            response = client.get(one)
            assert response.status_code == 200, one
            yield endpoint, one, load_workbook(io.BytesIO(response.data)).active
        client.post("/deconnexion")


def _problems(url: str, sheet) -> list[str]:
    header = [c.value for c in sheet[1]]
    last = sheet.cell(row=1, column=len(header)).column_letter
    problems = []
    if sheet.freeze_panes != "A2":
        problems.append(f"{url}: header not frozen ({sheet.freeze_panes})")
    if sheet.auto_filter.ref != f"A1:{last}{sheet.max_row}":
        problems.append(f"{url}: autofilter {sheet.auto_filter.ref}")
    if not all(c.font.b for c in sheet[1]):
        problems.append(f"{url}: header not bold")
    for i, label in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        width = sheet.column_dimensions[letter].width
        if not width or width < MIN_WIDTH:
            problems.append(f"{url}: column {label!r} not sized ({width})")
        if MONEY_WORDS.search(label) and "(€)" not in label:
            problems.append(f"{url}: amount column {label!r} does not say (€)")
        for cell in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
            cell = cell[0]
            if isinstance(cell.value, bool) or not isinstance(cell.value, int | float):
                continue
            if "(€)" in label and cell.number_format != MONEY_FORMAT:
                problems.append(f"{url}: {label!r} {cell.coordinate} as {cell.number_format}")
            elif "/20" in label and cell.number_format != NUMBER_FORMAT:
                problems.append(f"{url}: score {label!r} {cell.coordinate} as {cell.number_format}")
            elif isinstance(cell.value, float) and cell.number_format == "General":
                problems.append(f"{url}: decimal {label!r} {cell.coordinate} unformatted")
    return problems


def test_every_xlsx_export_is_sized_frozen_filtered_and_formatted(client):
    problems, with_rows = [], set()
    for endpoint, url, sheet in _sheets(client):
        problems += _problems(url, sheet)[:5]
        if sheet.max_row > 1:
            with_rows.add(endpoint)
    assert problems == []
    assert with_rows == set(EXPORTS)  # each export was seen with rows, not only its header
