"""Turn `parse_mode=HTML` text into plain text plus entities, the way Telegram stores a message.

Only HTML is parsed: it is what the bot uses, and a tag Telegram rejects (or an unescaped `<`
in a user's name) is a real bug the fake should surface as the same 400 Telegram answers.
Markdown texts are stored as sent.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


# Offsets and lengths of entities count UTF-16 code units, not Python characters.
def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}


class EntityParseError(ValueError):
    """The description after "Bad Request: can't parse entities: "."""


class _HtmlToEntities(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []
        # One (tag, entity) per open tag; entity is None for a tag that only annotates its parent.
        self.open: list[tuple[str, dict[str, Any] | None]] = []

    def byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        index = sum(len(text) + 1 for text in lines[: line - 1]) + column
        return len(self.source[:index].encode())

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append((tag, self._entity(tag, dict(attrs))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            raise EntityParseError(f"Unexpected end tag at byte offset {self.byte_offset()}")
        open_tag, entity = self.open.pop()
        if open_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {self.byte_offset()}, expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None:
            entity["length"] = self.length - entity["offset"]
            if entity["length"] > 0:
                self.entities.append(entity)

    def _entity(self, tag: str, attrs: dict[str, str | None]) -> dict[str, Any] | None:
        entity: dict[str, Any] = {"offset": self.length}
        if tag == "code" and self.open and self.open[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language, as Telegram stores it.
            parent = self.open[-1][1]
            language = (attrs.get("class") or "").removeprefix("language-")
            if parent is not None and language:
                parent["language"] = language
            return None
        if tag in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[tag]
        elif tag == "span" and attrs.get("class") == "tg-spoiler":
            entity["type"] = "spoiler"
        elif tag == "a" and attrs.get("href"):
            entity.update(type="text_link", url=attrs["href"])
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif tag == "tg-emoji" and attrs.get("emoji-id"):
            entity.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
        else:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset()}')
        return entity


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of an HTML-formatted text; raises EntityParseError like Telegram."""
    parser = _HtmlToEntities(source)
    parser.feed(source)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims whitespace around a message text; entities move and shrink with it."""
    stripped = text.strip()
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        stop = min(end, entity["offset"] + entity["length"] - shift)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept
