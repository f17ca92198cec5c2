"""Channel-layer group names built from arbitrary text (topic strings, room keys, user ids).

Channel layers accept group names of ASCII letters, digits, ``-``, ``_`` and ``.``, shorter
than 100 characters. :func:`safe_group_name` maps any text onto that alphabet and bounds the
length with a digest, deterministically, so every process derives the same name.
"""

from __future__ import annotations

import hashlib
import re

from chanx.constants import MAX_GROUP_NAME_LENGTH

__all__ = ["MAX_GROUP_NAME_LENGTH", "safe_group_name"]
#: Characters kept before the digest of a name that is too long.
_KEPT = 86
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(part: str) -> str:
    return _UNSAFE.sub("-", part).strip("-")


def safe_group_name(*parts: str, namespace: str | None = None) -> str:
    """A valid, bounded group name for ``parts``, prefixed by ``namespace`` when given.

    Each run of characters outside ``[A-Za-z0-9._-]`` becomes one ``-`` (outer ones are
    stripped), empty segments are dropped and segments are joined with ``.``. A name longer
    than :data:`MAX_GROUP_NAME_LENGTH` keeps its first 86 characters followed by ``.`` and a
    12-hex-digit BLAKE2s digest of the whole name, so distinct long names stay distinct.

    >>> safe_group_name("discussion:5", namespace="DiscussionTopic")
    'DiscussionTopic.discussion-5'

    Raises:
        ValueError: nothing usable is left (all parts empty or made only of unsafe text).
    """
    segments = [_slug(p) for p in ((namespace,) if namespace else ()) + parts]
    name = ".".join(s for s in segments if s)
    if not name:
        raise ValueError(f"no usable group name in {parts!r} (namespace={namespace!r})")
    if len(name) <= MAX_GROUP_NAME_LENGTH:
        return name
    digest = hashlib.blake2s(name.encode(), digest_size=6).hexdigest()
    return f"{name[:_KEPT]}.{digest}"
