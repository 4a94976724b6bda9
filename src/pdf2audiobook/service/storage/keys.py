"""Object keys: ours, never a user's filename, and checked before every storage call.

A key is a relative, lower-case path such as `uploads/3f2a...c1.pdf`. The rules are strict
enough that a key means the same object on local disk and in S3: no empty, `.` or `..`
segments, no leading slash, nothing a filesystem would reinterpret.
"""

from __future__ import annotations

import re
import uuid

MAX_KEY_LENGTH = 201

# Every segment starts with a letter or digit, so keys never collide with the dot-prefixed
# temporary files LocalStorage writes beside them.
_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]*(?:/[a-z0-9][a-z0-9_.-]*)*")
_KIND = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")
_SUFFIX = re.compile(r"(?:\.[a-z0-9]{1,10})?")


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a well-formed object key.

    Raises ValueError otherwise: empty, longer than 201 characters, upper case, a leading or
    trailing slash, an empty segment, a segment starting with `.`, or containing `..`.
    """
    if len(key) > MAX_KEY_LENGTH or ".." in key or not _KEY.fullmatch(key):
        raise ValueError(f"Invalid storage key: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """Return `prefix` unchanged if it is a key, optionally ending with one `/`.

    Raises ValueError otherwise; in particular the empty prefix, which would match everything.
    """
    validate_key(prefix.removesuffix("/"))
    return prefix


def new_object_key(kind: str, suffix: str = "") -> str:
    """A fresh, unguessable key `{kind}/{uuid4 hex}{suffix}`, such as `uploads/<hex>.pdf`.

    `kind` is one or more lower-case segments (`uploads`, `jobs/audio`); `suffix` is empty or
    a short lower-case extension with its dot. Raises ValueError for anything else.
    """
    if not _KIND.fullmatch(kind):
        raise ValueError(f"Invalid object kind: {kind!r}")
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"Invalid object suffix: {suffix!r}")
    return validate_key(f"{kind}/{uuid.uuid4().hex}{suffix}")
