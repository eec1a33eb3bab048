"""/lettre: the public archive of La Lettre de la MLDS, each issue as a page and as a PDF."""

from __future__ import annotations

from flask import Response, abort, render_template
from markupsafe import Markup

from portal.errors import NotFound
from portal.pagecache import cached_page

from ..documents import letter_pdf, letter_pdf_filename
from ..services import letter, letter_content, letter_markdown
from . import bp
from .opendata import cacheable


def shown(content: dict) -> dict:
    """A frozen issue as pages show it: sheets still public, the editorial cleaned again."""
    content = letter_content.visible(content)
    return {**content, "editorial_html": Markup(letter_markdown.clean(content["editorial_html"]))}


@bp.get("/lettre")
@cached_page
def letters():
    page = render_template("outcomes/letter/archive.html", issues=letter.archive())
    return cacheable(Response(page), 300)


def _issue_page(number: int, version: int | None):
    try:
        issue = letter.published(number, version)
    except NotFound:
        abort(404)
    versions = letter.published_versions(number)
    page = render_template(
        "outcomes/letter/issue.html",
        issue=issue,
        content=shown(issue.content),
        versions=versions,
        latest=versions[0],
    )
    return cacheable(Response(page), 300)


@bp.get("/lettre/<int:number>")
@cached_page
def letter_issue(number: int):
    return _issue_page(number, None)


@bp.get("/lettre/<int:number>/version-<int:version>")
@cached_page
def letter_version(number: int, version: int):
    return _issue_page(number, version)


@bp.get("/lettre/<int:number>/version-<int:version>.pdf")
def letter_pdf_file(number: int, version: int):
    try:
        issue = letter.published(number, version)
    except NotFound:
        abort(404)
    response = Response(letter_pdf(issue, shown(issue.content)), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{letter_pdf_filename(issue)}"'
    return cacheable(response, 300)
