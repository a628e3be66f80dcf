"""HTML as the text a person reads: a Teams message's body, or an email pasted as its source.

`looks_like_html` is deliberately conservative: a document (doctype or <html>), or a fragment
with at least three real HTML tags, one of them a block or a line break. Prose with angle
brackets ("<3", "a < b", "<sam@example.com>", one <b> quoted) stays as it was typed.
`plain_text` keeps paragraphs and line breaks, decodes entities, drops scripts, styles and the
head, and shows a link's address in brackets after its words. Standard library only.
"""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# fmt: off
_BLOCKS = frozenset({
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table",
    "pre", "hr", "dl", "dt", "dd", "section", "article", "header", "footer", "address", "center",
    "form", "figure",
})
_SKIPPED = frozenset({"script", "style", "title", "template"})
# Tags an email or a Teams message is made of: a name outside these is not markup ("<3", an
# address in angle brackets).
_KNOWN = _BLOCKS | frozenset({
    "html", "head", "body", "meta", "link", "style", "script", "title", "br", "a", "b", "i", "u",
    "s", "em", "strong", "span", "font", "img", "small", "big", "sub", "sup", "td", "th", "tbody",
    "thead", "tfoot", "caption", "col", "colgroup", "code", "tt", "abbr", "cite", "q", "mark",
    "del", "ins", "label", "o:p", "base",
})
# fmt: on
_DOCUMENT = re.compile(r"\s*(<\?xml[^>]*>\s*)?(<!doctype\s+html|<html[\s>])", re.IGNORECASE)
# Declarations other than comments (a doctype, Outlook's "<![if !supportLists]>"): the parser
# raises on some of their forms, and none of them is text.
_DECLARATION = re.compile(r"<!(?!--)[^>]*>")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")


@dataclass(frozen=True)
class Readable:
    """What a form keeps of what was typed: the text, and the HTML it came from (if any)."""

    text: str
    original: str = ""  # the source as pasted, when `text` is its readable form


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.in_head = False
        self.preformatted = 0
        self.links: list[str] = []  # the open links' addresses ("" when not shown)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in ("head", "body"):
            self.in_head = tag == "head"
        elif tag in _BLOCKS and not self._at_line_start():
            self.parts.append("\n")
        if tag == "pre":
            self.preformatted += 1
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("- ")
        elif tag in ("td", "th") and not self._at_line_start():
            self.parts.append("  ")
        elif tag == "img":
            alt = _SPACE.sub(" ", found.get("alt") or "").strip()
            self.parts.append(f"[image: {alt}]" if alt else "[image]")
        elif tag == "a":
            self.links.append((found.get("href") or "").strip())
            self.parts.append("\x00")  # where the link's words start

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "head":
            self.in_head = False
        elif tag == "a" and self.links:
            self._close_link(self.links.pop(), shown=not (self.skipping or self.in_head))
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping or self.in_head:
            return
        if not self.preformatted:  # as a browser shows it: runs of white space are one space
            data = _SPACE.sub(" ", data)
            if self._at_line_start():
                data = data.lstrip(" ")
        if data:
            self.parts.append(data)

    def _at_line_start(self) -> bool:
        last = next((p for p in reversed(self.parts) if p and p != "\x00"), "\n")
        return last.endswith("\n")

    def _close_link(self, address: str, shown: bool) -> None:
        start = len(self.parts) - 1 - self.parts[::-1].index("\x00")
        words = "".join(self.parts[start + 1 :]).strip()
        bare = address.removeprefix("mailto:").removeprefix("tel:")
        self.parts[start] = ""
        if shown and address.lower().startswith(_LINK_SCHEMES) and bare not in words:
            self.parts.append(f" ({address})" if words else address)


def plain_text(source: str) -> str:
    """Tags dropped, entities decoded, paragraphs and line breaks kept as new lines."""
    parser = _TextOnly()
    try:
        parser.feed(_DECLARATION.sub("", source))
        parser.close()
    except AssertionError:  # html.parser's way of giving up on a malformed declaration
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", source)))
    return _tidy("".join(p for p in parser.parts if p != "\x00"))


def looks_like_html(text: str) -> bool:
    """An HTML document or a fragment of real markup (see the module's note); not prose."""
    if _DOCUMENT.match(text):
        return True
    counter = _TagCounter()
    try:
        counter.feed(_DECLARATION.sub("", text[:200_000]))
        counter.close()
    except AssertionError:
        return False
    return counter.tags >= 3 and counter.blocks >= 1


def readable(text: str) -> Readable:
    """What a form keeps: pasted HTML as its readable text with the original; other text as it
    was typed."""
    if not looks_like_html(text):
        return Readable(text)
    return Readable(plain_text(text), text)


class _TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = self.blocks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._count(tag)

    def handle_endtag(self, tag: str) -> None:
        self._count(tag)

    def _count(self, tag: str) -> None:
        if tag in _KNOWN:
            self.tags += 1
            self.blocks += tag in _BLOCKS or tag == "br"


def _tidy(text: str) -> str:
    lines = text.replace("\xa0", " ").splitlines()
    text = "\n".join(line.rstrip() for line in lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
