"""The Lettre's editorial: Markdown in, safe HTML out. Never raw HTML.

Two locks. markdown-it-py renders CommonMark with raw HTML turned off (a `<script>` typed in the
editorial comes out as text) and refuses `javascript:`, `vbscript:`, `file:` and `data:` links;
then nh3 (ammonia's allowlist sanitiser) keeps only known tags, the `href` of links to http(s),
mailto or a relative address, and no other attribute; the content of script, style, frames and
the like is dropped with them.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr",
}  # fmt: skip
# Whole subtrees dropped with their text (their content is never shown).
DROPPED = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}

SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["html_block", "html_inline"])  # images are dropped by the cleaner


def clean(html: str) -> str:
    """Keep only the allowed tags and safe links of `html` (anything else: its text, escaped)."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROPPED,
        attributes={"a": {"href"}},
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render(markdown: str) -> Markup:
    """The editorial as safe HTML, ready for a template (and for the PDF)."""
    # Headings of the editorial sit under the issue's own: # becomes h2, and so on down.
    html = _md.render(markdown or "")
    for level in (4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 1, 4)}>")
        html = html.replace(f"</h{level}>", f"</h{min(level + 1, 4)}>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    return Markup(clean(html))
