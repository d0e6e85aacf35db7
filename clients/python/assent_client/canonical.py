"""RFC 8785 (JCS) canonical JSON for what Assent statements contain.

Assent's profile (docs/protocol.md §1): objects, arrays, strings, booleans and integers
within ±(2^53−1). No floats and no null: a node refuses them, so this encoder refuses them
too, rather than produce bytes no node takes.
"""

from __future__ import annotations

import json
from typing import Any

MAX_INTEGER = (1 << 53) - 1

_SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


class CanonicalJSONError(ValueError):
    """A value that has no canonical encoding in Assent's profile; says where."""


def _utf16_key(name: str) -> list[int]:
    # RFC 8785 §3.2.3: member names sort by their UTF-16 code units, not by code points.
    return list(name.encode("utf-16-be"))


def _string(s: str, path: str) -> str:
    out = ['"']
    for ch in s:
        cp = ord(ch)
        if 0xD800 <= cp <= 0xDFFF:
            raise CanonicalJSONError(f"{path}: lone surrogate U+{cp:04X}")
        if cp in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[cp])
        elif cp < 0x20:
            # RFC 8785 §3.2.2.2: other control characters as \u00xx, lower-case hex.
            out.append(f"\\u{cp:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _encode(value: Any, path: str, depth: int) -> str:
    if depth > 32:
        raise CanonicalJSONError(f"{path}: nested deeper than 32")
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        raise CanonicalJSONError(f"{path}: null is not allowed")
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise CanonicalJSONError(f"{path}: integer {value} is beyond ±(2^53−1)")
        return str(value)
    if isinstance(value, float):
        raise CanonicalJSONError(f"{path}: numbers with a fraction or exponent are not allowed")
    if isinstance(value, str):
        return _string(value, path)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_encode(v, f"{path}/{i}", depth + 1) for i, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise CanonicalJSONError(f"{path}: member name {k!r} is not a string")
        items = sorted(value.items(), key=lambda kv: _utf16_key(kv[0]))
        return "{" + ",".join(_string(k, path) + ":" + _encode(v, f"{path}/{k}", depth + 1) for k, v in items) + "}"
    raise CanonicalJSONError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of `value`."""
    return _encode(value, "", 0).encode("utf-8")


def _no_floats(text: str) -> Any:
    raise CanonicalJSONError(f"number {text} has a fraction or exponent")


def _no_constants(text: str) -> Any:
    raise CanonicalJSONError(f"{text} is not allowed")


def _unique(pairs: list) -> dict:
    out = {}
    for k, v in pairs:
        if k in out:
            raise CanonicalJSONError(f"duplicate member {k!r}")
        out[k] = v
    return out


def parse(data: bytes | str, require_canonical: bool = False) -> Any:
    """Parses JSON in Assent's profile (no floats, no duplicate members; null is refused by the
    re-encoding). With `require_canonical`, the input must be exactly its canonical bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        value = json.loads(raw.decode("utf-8"), parse_float=_no_floats, parse_constant=_no_constants,
                           object_pairs_hook=_unique)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CanonicalJSONError(f"not JSON: {e}") from e
    encoded = canonical_bytes(value)
    if require_canonical and encoded != raw:
        raise CanonicalJSONError("JSON is not in canonical form (RFC 8785)")
    return value
