"""An HTML body as plain text, which is how the desk stores and shows every email: no tag,
attribute, script or style survives, so nothing of the sender's HTML ever reaches a page.
Blocks become lines, list items bullets, links "text (address)", images their alt text."""

import re
from html.parser import HTMLParser

BLOCKS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer",
}  # fmt: skip
DROPPED = {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0
        self.quote_depth = 0
        self.href: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            self.dropping += 1
            return
        if self.dropping:
            return
        attributes = dict(attrs)
        if tag in BLOCKS:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")
        if tag == "blockquote":
            self.quote_depth += 1
        if tag in ("td", "th"):
            self.out.append("\t")
        if tag == "a":
            self.href.append(attributes.get("href") or "")
        if tag == "img" and attributes.get("alt"):
            self.out.append(f"[{attributes['alt']}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping:
            return
        if tag == "a" and self.href:
            href = self.href.pop()
            if href.startswith(("http://", "https://", "mailto:")):
                self.out.append(f" ({href.removeprefix('mailto:')})")
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        if tag in BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        data = re.sub(r"\s+", " ", data)
        if self.quote_depth:
            data = data.replace("\n", "\n" + "> " * self.quote_depth)
            if not self.out or self.out[-1].endswith("\n"):
                data = "> " * self.quote_depth + data.lstrip()
        self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.lstrip(" ") for line in lines)).strip()
