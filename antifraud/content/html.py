"""HTML to the parts the analysis reads: title, visible text, forms and their fields, links.

Built on the standard library's tolerant `html.parser`: scam kits write broken HTML and the parser
must never raise on it. Bounded: text stops growing at `max_text` characters and lists at `max_items`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "math"})
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "button", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label",
        "li", "main", "nav", "ol", "option", "p", "pre", "section", "select", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
# Attributes whose values people read on screen (or that hold what a victim is told to copy).
_READ_ATTRIBUTES = ("placeholder", "alt", "title", "aria-label", "data-clipboard-text")


@dataclass(frozen=True, slots=True)
class FormField:
    kind: str  # the input type: text, password, email, tel, hidden...; "select" and "textarea" too
    name: str
    autocomplete: str = ""
    label: str = ""  # placeholder or aria-label: what the victim is asked for

    @property
    def words(self) -> str:
        return f"{self.name} {self.autocomplete} {self.label}".lower()


@dataclass(frozen=True, slots=True)
class Form:
    action: str | None  # as written; None when absent (posts to the page itself)
    method: str
    fields: tuple[FormField, ...]
    orphan: bool = False  # fields outside any <form>: submitted by script

    @property
    def has_password(self) -> bool:
        return any(f.kind == "password" for f in self.fields)


@dataclass
class ParsedPage:
    title: str | None = None
    text: str = ""  # visible text
    attribute_text: str = ""  # placeholders, alt texts, copy-to-clipboard values, meta descriptions
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # href of <a> and <area>, as written
    base_href: str | None = None
    refresh_url: str | None = None  # <meta http-equiv="refresh" content="0; url=...">
    lang: str | None = None


class _Parser(HTMLParser):
    def __init__(self, max_text: int, max_items: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_text = max_text
        self.max_items = max_items
        self.page = ParsedPage()
        self._text: list[str] = []
        self._text_size = 0
        self._attrs: list[str] = []
        self._hidden: list[str] = []  # open hidden elements, innermost last
        self._in_title = False
        self._title: list[str] = []
        self._form: tuple[str | None, str, list[FormField]] | None = None
        self._orphans: list[FormField] = []

    def _add_text(self, text: str) -> None:
        if self._text_size < self.max_text:
            self._text.append(text)
            self._text_size += len(text)

    def _field(self, tag: str, attrs: dict[str, str]) -> None:
        kind = attrs.get("type", "text").lower() if tag == "input" else tag
        if kind in {"submit", "button", "image", "reset"}:
            return
        label = attrs.get("placeholder") or attrs.get("aria-label") or ""
        item = FormField(kind, attrs.get("name") or attrs.get("id") or "", attrs.get("autocomplete", "").lower(), label)
        target = self._form[2] if self._form is not None else self._orphans
        if len(target) < self.max_items:
            target.append(item)

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attributes}
        if tag in _HIDDEN:
            self._hidden.append(tag)
        if tag == "title" and not self._title and not self._hidden:
            self._in_title = True
        if tag in _BLOCK:
            self._add_text("\n")
        for name in _READ_ATTRIBUTES:
            if attrs.get(name) and self._text_size < self.max_text:
                self._attrs.append(attrs[name])
        self._start_special(tag, attrs)

    def _start_special(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "html" and attrs.get("lang"):
            self.page.lang = attrs["lang"].lower()
        elif tag in {"a", "area"} and attrs.get("href") and len(self.page.links) < self.max_items:
            self.page.links.append(attrs["href"])
        elif tag == "base" and attrs.get("href") and self.page.base_href is None:
            self.page.base_href = attrs["href"]
        elif tag == "form":
            self._close_form()
            self._form = (attrs.get("action") or None, attrs.get("method", "get").lower(), [])
        elif tag in {"input", "select", "textarea"}:
            self._field(tag, attrs)
            if tag == "input" and attrs.get("value") and attrs.get("type", "text").lower() in {"text", "hidden"}:
                self._attrs.append(attrs["value"])  # wallets are often shown in a read-only input to copy
        elif tag == "meta":
            self._meta(attrs)

    def _meta(self, attrs: dict[str, str]) -> None:
        if attrs.get("http-equiv", "").lower() == "refresh" and self.page.refresh_url is None:
            _, _, rest = attrs.get("content", "").partition(";")
            url = rest.strip()
            if url.lower().startswith("url="):
                self.page.refresh_url = url[4:].strip().strip("'\"") or None
        elif attrs.get("name", "").lower() == "description" or attrs.get("property", "").lower() in {
            "og:title",
            "og:description",
        }:
            self._attrs.append(attrs.get("content", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()
        if tag == "form":
            self._close_form()
        if tag in _BLOCK:
            self._add_text("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)
        elif not self._hidden:
            self._add_text(data)

    def _close_form(self) -> None:
        if self._form is not None and len(self.page.forms) < self.max_items:
            action, method, fields = self._form
            self.page.forms.append(Form(action, method, tuple(fields)))
        self._form = None

    def result(self) -> ParsedPage:
        self._close_form()
        if self._orphans:
            self.page.forms.append(Form(None, "post", tuple(self._orphans), orphan=True))
        title = " ".join("".join(self._title).split())
        self.page.title = title or None
        self.page.text = "".join(self._text)[: self.max_text]
        self.page.attribute_text = "\n".join(self._attrs)[: self.max_text]
        return self.page


def parse_html(html: str, max_text: int = 500_000, max_items: int = 500) -> ParsedPage:
    parser = _Parser(max_text, max_items)
    parser.feed(html)
    parser.close()
    return parser.result()


def page_title(html: str, window: int = 65536) -> str | None:
    """Only the title, for the crawler to record on every page: the first <title> in the first 64 KiB.

    It parses just that element rather than the document, which costs a few microseconds instead of
    milliseconds on a large page (the full parse is the page analysis' job).
    """
    head = html[:window]
    lower = head.lower()
    start = lower.find("<title")
    if start < 0:
        return None
    end = lower.find("</title", start)
    parser = _Parser(max_text=0, max_items=0)
    parser.feed(head[start : end if end >= 0 else len(head)] + "</title>")
    parser.close()
    return parser.result().title
