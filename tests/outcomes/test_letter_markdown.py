"""The editorial is Markdown, never raw HTML: scripts, frames, styles, event attributes and
javascript: links come out harmless, on the page, in the preview, in the PDF and the archive."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import update

from outcomes.models import LetterIssue
from outcomes.services import letter
from outcomes.services.letter_markdown import clean, render
from portal.db import db

from ..conftest import login
from .letter_helpers import issue

HOSTILE = """# Bienvenue

Un **texte** avec <script>alert('x')</script> et <iframe src="https://evil.example"></iframe>.

<style>body { display: none }</style>

<img src="x" onerror="alert(1)"> <a href="javascript:alert(1)" onclick="alert(2)">clic</a>

[piège](javascript:alert(3)) [piège2](JaVaScRiPt:alert(4)) [piège3](  javascript:alert(5))
[données](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) ![image](https://t.example/p.gif)

[bon lien](https://www.ac-poitiers.fr/mlds) [relatif](/pratiques) [courriel](mailto:mlds@ac-poitiers.fr)
"""


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _assert_harmless(html: str) -> None:
    tags = _tags(html)
    names = {name for name, _ in tags}
    assert not names & {"script", "iframe", "style", "img", "object", "embed", "svg"}, names
    for name, attrs in tags:
        assert all(not key.startswith("on") for key in attrs), (name, attrs)
        assert "style" not in attrs and "src" not in attrs
        href = "".join((attrs.get("href") or "").split()).lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:")), href


def test_hostile_markdown_is_neutralised():
    html = str(render(HOSTILE))
    _assert_harmless(html)
    hrefs = [a.get("href") for name, a in _tags(html) if name == "a" and a.get("href")]
    assert hrefs == ["https://www.ac-poitiers.fr/mlds", "/pratiques", "mailto:mlds@ac-poitiers.fr"]
    assert "<strong>texte</strong>" in html and "<h2>Bienvenue</h2>" in html


@pytest.mark.parametrize(
    "raw",
    [
        '<p onclick="x()">a</p><script>alert(1)</script>',
        '<a href="javascript:alert(1)">a</a><a href=" java\tscript:alert(1)">b</a>',
        '<iframe srcdoc="<script>x</script>"></iframe><svg onload="x()"><a href="#">s</a></svg>',
        '<div style="background:url(javascript:x)"><em>ok</em></div><img src=x onerror=alert(1)>',
        "<style>*{}</style><template><script>alert(1)</script></template><p>fin",
    ],
)
def test_the_cleaner_keeps_only_safe_tags_and_links(raw):
    html = clean(raw)
    _assert_harmless(html)
    assert "alert(1)" not in html  # the content of a dropped script or frame is not shown


def test_hostile_markdown_is_harmless_on_every_page(client, world):
    found = issue(world, editorial=HOSTILE)
    login(client, world.coordinator)
    preview = client.get(f"/coordination/lettres/{found.id}/apercu").get_data(as_text=True)
    letter.publish(world.coordinator, found)
    client.post("/deconnexion")
    public = client.get("/lettre/1").get_data(as_text=True)
    for page in (preview, public):
        article = page.split('<article class="portal-letter"', 1)[1].split("</article>", 1)[0]
        _assert_harmless(article)
        assert "https://www.ac-poitiers.fr/mlds" in article
    # the frozen content is cleaned again when shown (even if the stored HTML were tampered with)
    tampered = {**found.content, "editorial_html": "<script>alert(9)</script><p>ok</p>"}
    db.session.execute(
        update(LetterIssue).where(LetterIssue.id == found.id).values(content=tampered)
    )
    db.session.expire_all()
    page = client.get("/lettre/1").get_data(as_text=True)
    article = page.split('<article class="portal-letter"', 1)[1].split("</article>", 1)[0]
    _assert_harmless(article)
    assert "<p>ok</p>" in article
