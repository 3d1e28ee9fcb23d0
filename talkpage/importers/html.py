"""Comment HTML from other systems, turned into the text we keep as ``body``.

Talkpage stores what the author wrote (Markdown) beside the HTML shown. An
imported comment is shown from its own HTML, sanitised; its ``body`` is that
same sanitised HTML as plain text with light Markdown (paragraphs, line
breaks, emphasis, quotes, lists, code, and links as ``[text](address)``), so
editing starts from something a person can read, renders close to the
original, and never holds anything the sanitiser took out.
"""

import re
from html import unescape
from urllib.parse import urlsplit

from talkpage.lib.markdown import LINK_SCHEMES, sanitise_imported_html

BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
# Tags whose content is not text a reader saw (the sanitiser drops them
# already; kept here so the converter is right on its own).
DROPPED_TAGS = {"script", "style", "template", "noscript", "head", "title"}
INLINE_MARKS = {"em": "*", "i": "*", "strong": "**", "b": "**", "code": "`"}
VOID_TAGS = {"br", "img", "hr", "wbr", "input", "meta", "link", "source"}
# The sanitiser's output is well-formed: quoted attributes, escaped text. A
# regular expression reads it five times faster than html.parser reads HTML.
TOKEN = re.compile(
    r"<(?P<end>/)?(?P<tag>[a-zA-Z][a-zA-Z0-9]*)(?P<attrs>[^>]*)>"
    r"|(?P<comment><!--.*?-->)|(?P<text>[^<]+)|(?P<other><)",
    re.S,
)
ATTRIBUTE = re.compile(r'([^\s=/]+)(?:\s*=\s*"([^"]*)")?')


def html_to_text(html: str) -> str:
    """The text of comment HTML from anywhere (sanitised first)."""
    return text_of_clean_html(sanitise_imported_html(html))


def text_of_clean_html(html: str) -> str:
    """The text of HTML that ``sanitise_imported_html`` has already cleaned."""
    converter = _TextConverter()
    for token in TOKEN.finditer(html):
        if token["tag"]:
            tag = token["tag"].lower()
            if token["end"]:
                converter.handle_endtag(tag)
            else:
                attributes = {
                    name.lower(): unescape(value or "")
                    for name, value in ATTRIBUTE.findall(token["attrs"])
                }
                converter.handle_starttag(tag, attributes)
                if token["attrs"].rstrip().endswith("/") and tag not in VOID_TAGS:
                    converter.handle_endtag(tag)
        elif token["text"] is not None:
            converter.handle_data(unescape(token["text"]))
        elif token["other"]:
            converter.handle_data("<")
    converter.close()
    return converter.text()


class _Part:
    """The text gathered inside one element that changes how it is written
    (a quote, a list item, a link...), finished when the element ends."""

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag = tag
        self.attrs = attrs
        self.pieces: list[str] = []


class _TextConverter:
    def __init__(self):
        self.stack: list[_Part] = [_Part("", {})]
        self.lists: list[list] = []  # [tag, next number]
        self.dropping = 0
        self.preformatted = 0

    # A paragraph break, kept apart from text until the end so that runs of
    # them collapse into one blank line.
    BREAK = "\x00"
    NEWLINE = "\x01"

    def handle_starttag(self, tag: str, attributes: dict[str, str]) -> None:
        if tag in DROPPED_TAGS:
            self.dropping += 1
            return
        if self.dropping:
            return
        if tag == "br":
            self._emit(self.NEWLINE)
        elif tag in BLOCK_TAGS:
            self._emit(self.BREAK)
        elif tag in ("ul", "ol"):
            self._emit(self.BREAK)
            self.lists.append([tag, _start_number(attributes)])
        elif tag in ("blockquote", "li", "a", "pre", *INLINE_MARKS):
            if tag == "pre":
                self.preformatted += 1
            self.stack.append(_Part(tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_TAGS:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping:
            return
        if tag in BLOCK_TAGS:
            self._emit(self.BREAK)
        elif tag in ("ul", "ol"):
            if self.lists and self.lists[-1][0] == tag:
                self.lists.pop()
            self._emit(self.BREAK)
        elif any(part.tag == tag for part in self.stack[1:]):
            # Close what the author left open inside it, as a browser would.
            while True:
                part = self.stack.pop()
                self._finish(part)
                if part.tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if not self.preformatted:
            data = re.sub(r"\s+", " ", data)
        self._emit(data)

    def close(self) -> None:
        while len(self.stack) > 1:
            self._finish(self.stack.pop())

    def text(self) -> str:
        return "\n\n".join(_blocks("".join(self.stack[0].pieces)))

    def _emit(self, piece: str) -> None:
        self.stack[-1].pieces.append(piece)

    def _finish(self, part: _Part) -> None:
        inner = "".join(part.pieces)
        if part.tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
            code = inner.replace(self.BREAK, "\n").replace(self.NEWLINE, "\n")
            self._emit(f"{self.BREAK}```\n{code.strip(chr(10))}\n```{self.BREAK}")
        elif part.tag == "blockquote":
            quoted = "\n\n".join(_blocks(inner))
            lines = [f"> {line}".rstrip() for line in quoted.split("\n")]
            self._emit(self.BREAK + "\n".join(lines) + self.BREAK)
        elif part.tag == "li":
            self._emit(self.NEWLINE + self._bullet() + _indent_item(inner))
        elif part.tag == "a":
            self._emit(_link(inner, part.attrs.get("href") or ""))
        else:
            mark = INLINE_MARKS[part.tag]
            text = inner.strip()
            if text:
                # Emphasis markers must touch the words they wrap.
                lead = " " if inner[:1].isspace() else ""
                trail = " " if inner[-1:].isspace() else ""
                self._emit(f"{lead}{mark}{text}{mark}{trail}")

    def _bullet(self) -> str:
        if not self.lists or self.lists[-1][0] == "ul":
            return "- "
        number = self.lists[-1][1]
        self.lists[-1][1] += 1
        return f"{number}. "


def _start_number(attributes: dict[str, str]) -> int:
    start = attributes.get("start") or ""
    return int(start) if start.isdigit() else 1


def _blocks(raw: str) -> list[str]:
    """Paragraphs of ``raw``, each with its line breaks, spaces trimmed."""
    blocks = []
    for chunk in raw.split(_TextConverter.BREAK):
        lines = [line.strip() for line in chunk.split(_TextConverter.NEWLINE)]
        # Lines inside a quote or code fence arrive already joined by "\n".
        text = "\n".join(lines).strip("\n")
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
        if text:
            blocks.append(text)
    return blocks


def _indent_item(inner: str) -> str:
    text = "\n\n".join(_blocks(inner))
    return text.replace("\n", "\n  ")


def _link(text: str, href: str) -> str:
    """A link as Markdown, if its address is one a comment may link to."""
    label = "\n".join(_blocks(text)).replace("\n", " ").strip()
    href = href.strip()
    scheme = urlsplit(href).scheme.lower() if ":" in href else ""
    if scheme not in LINK_SCHEMES or re.search(r"\s", href):
        return label
    if not label or label == href:
        return f"<{href}>"
    label = label.replace("[", r"\[").replace("]", r"\]")
    href = href.replace("(", "%28").replace(")", "%29")
    return f"[{label}]({href})"


_BLOCK_START = re.compile(r"^\s*<(p|div|blockquote|ul|ol|pre|h[1-6]|table)\b", re.I)


def paragraphs_from_newlines(text: str) -> str:
    """WordPress keeps comments as typed and adds paragraphs when showing
    them (wpautop): a blank line starts a paragraph, a newline is a line
    break. This does the same, so the HTML shown here matches."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if _BLOCK_START.match(paragraph):
            paragraphs.append(paragraph)
        else:
            paragraphs.append("<p>" + paragraph.replace("\n", "<br>\n") + "</p>")
    return "\n".join(paragraphs)
