"""The Lettre's editorial: Markdown in, safe HTML out. Never raw HTML.

Two locks. markdown-it-py renders CommonMark with raw HTML turned off (a `<script>` typed in the
editorial comes out as text) and refuses `javascript:`, `vbscript:`, `file:` and `data:` links;
then an allowlist cleaner (the standard library's HTML parser) rebuilds the output keeping only
known tags, the `href` of links to http(s), mailto or a relative address, and no other attribute.
(nh3 is not installed in the shared environment; this cleaner does its job for the tags Markdown
produces.)
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr",
}  # fmt: skip
# Whole subtrees dropped with their text (their content is never shown).
DROPPED = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["html_block", "html_inline"])  # images are dropped by the cleaner


def _safe_href(value: str) -> bool:
    raw = "".join(ch for ch in value if ch > " ").lower()  # browsers ignore spaces and controls
    if raw.startswith(SAFE_SCHEMES):
        return True
    return ":" not in raw.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]  # relative


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0  # depth inside a dropped subtree
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED:
            self.skip += 1
            return
        if self.skip or tag not in TAGS:
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.out.append(f'<a href="{escape(href)}">' if _safe_href(href) else "<a>")
        elif tag in ("br", "hr"):
            self.out.append(f"<{tag}>")
            return
        else:
            self.out.append(f"<{tag}>")
        self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if not self.skip and tag in ("br", "hr"):
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in DROPPED:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag not in TAGS or tag not in self.open:
            return
        while self.open:  # close what was left open inside
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data):
        if not self.skip:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def clean(html: str) -> str:
    """Keep only the allowed tags and safe links of `html` (anything else: its text, escaped)."""
    cleaner = _Cleaner()
    cleaner.feed(html)
    return cleaner.result()


def render(markdown: str) -> Markup:
    """The editorial as safe HTML, ready for a template (and for the PDF)."""
    # Headings of the editorial sit under the issue's own: # becomes h2, and so on down.
    html = _md.render(markdown or "")
    for level in (4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>")
        html = html.replace(f"</h{level}>", f"</h{min(level + 1, 4)}>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    return Markup(clean(html))
