"""Stripe's form encoding read back: `line_items[0][price]=p` as `{"line_items": [{"price":
"p"}]}`, the way Stripe's API reads a request body or query."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"(?P<name>[^\[\]]+)(?P<path>(?:\[[^\[\]]*\])*)")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class MalformedForm(ValueError):
    pass


def parse_form(raw: str) -> dict[str, Any]:
    """The parameters in `raw`, nested by their bracketed keys; values stay strings.

    A mapping whose keys are all `0`, `1`, ... becomes a list, as does `key[]=a&key[]=b`.
    Raises MalformedForm for a key that is not a name followed by `[...]` segments, or for a
    parameter given a value and nested values at once.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        matched = _KEY.fullmatch(key)
        if matched is None:
            raise MalformedForm(f"Invalid parameter name: {key}")
        path = [matched["name"], *_SEGMENT.findall(matched["path"])]
        _put(root, path, value, key)
    parsed = _listify(root)
    if not isinstance(parsed, dict):
        raise MalformedForm("Parameter names must not be numbers")
    return parsed


def _put(node: dict[str, Any], path: list[str], value: str, key: str) -> None:
    for depth, segment in enumerate(path[:-1]):
        child = node.setdefault(segment or str(_next_index(node)), {})
        if not isinstance(child, dict):
            raise MalformedForm(f"Invalid nesting for parameter: {'.'.join(path[: depth + 1])}")
        node = child
    last = path[-1] or str(_next_index(node))
    if isinstance(node.get(last), dict):
        raise MalformedForm(f"Invalid value for parameter: {key}")
    node[last] = value


def _next_index(node: dict[str, Any]) -> int:
    return len(node)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        indices = sorted(converted, key=int)
        if [int(index) for index in indices] == list(range(len(indices))):
            return [converted[index] for index in indices]
    return converted
