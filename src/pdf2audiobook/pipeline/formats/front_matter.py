"""The YAML front matter of a Markdown file: the few keys that describe the book.

Only flat `key: value` pairs and simple lists are read (title, author, language); a full
YAML parser is not needed for that, and nothing in the block is ever spoken.
"""

from __future__ import annotations

import re
from typing import Final

_PAIR: Final = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")
_ITEM: Final = re.compile(r"^\s+-\s+(?P<value>.+)$")
_KEYS: Final = {
    "title": "title",
    "author": "author",
    "authors": "author",
    "creator": "author",
    "lang": "language",
    "language": "language",
}


def read_front_matter(block: str) -> dict[str, str]:
    """ "title", "author" and "language" from a front matter block, where it gives them."""
    values: dict[str, list[str]] = {}
    current: str | None = None
    for line in block.splitlines():
        pair = _PAIR.match(line)
        if pair:
            current = _KEYS.get(pair.group("key").lower())
            if current is not None and current not in values:
                values[current] = _inline_list(pair.group("value"))
            elif current is not None:
                current = None
            continue
        item = _ITEM.match(line)
        if item and current is not None:
            # "author:" followed by "  - name:" mappings names each author on its line.
            value = item.group("value")
            name = _PAIR.match(value.strip())
            if name is not None:
                if name.group("key").lower() != "name":
                    continue
                value = name.group("value")
            values[current].append(_unquoted(value))
    return {key: ", ".join(v for v in found if v) for key, found in values.items() if any(found)}


def _inline_list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        return [_unquoted(part) for part in value[1:-1].split(",")]
    return [_unquoted(value)] if value else []


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
