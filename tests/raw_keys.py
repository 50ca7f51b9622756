"""What a machine's word looks like in text people read (a dotted key or a snake_case one), and what a telecom
desk's words look like on another desk's page.

The console and the unit tests of its views both look for them in the visible text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from complaints.core.policy import POLICY_DIR, load_policy

DOTTED = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
PYTHON_VALUES = re.compile(r"\b(True|False|None)\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def raw_keys(text: str) -> list[str]:
    """Every dotted or snake_case key, Python value or ISO timestamp in the text."""
    return sorted({*DOTTED.findall(text), *SNAKE.findall(text), *PYTHON_VALUES.findall(text),
                   *ISO_TIME.findall(text)})


class _Visible(HTMLParser):
    """The text a browser would show: no attributes, scripts, styles or SVG titles."""

    HIDDEN = {"script", "style", "title", "desc"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def telecom_words(profile: str, text: str) -> list[str]:
    """The telecom desk's own names (its categories, services, departments, channels, root causes) that the text
    shows and the given desk's profile never says (words of a few characters and up: 服务 is anyone's)."""
    own = (POLICY_DIR / f"{profile}.yaml").read_text(encoding="utf-8")
    names = {name for kinds in load_policy("telecom").labels.values() for kind, table in kinds.items()
             for name in table.values() if kind in ("category", "service", "department", "channel", "root_cause")}

    def shown(word: str) -> bool:
        return bool(re.search(rf"\b{re.escape(word)}\b", text)) if word.isascii() else len(word) > 2 and word in text

    return sorted(word for word in names if word not in own and shown(word))
