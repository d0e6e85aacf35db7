"""Normal forms of the identifiers people type (docs/statements.md, "Work identifiers" and
"Party identifiers"), for the schemes whose normal form is a matter of digits and case:
`ipi`, `isni` (party) and `iswc`, `isrc`, `isbn`, `isni` (work). A node accepts only the normal
form and refuses anything else, naming it; these functions do what `assent sign --work` and
`assent enroll --id` do, so that `IPI:522-100-40` becomes `ipi:00052210040`.

`doi`, `url`, `local` and `iscc` are passed through unchanged: their normal forms involve
Unicode NFC, percent-encoding and RFC 3986 normalization, which this client does not repeat.
Give those in normal form (the node's refusal names it).
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.]")


class IdentifierError(ValueError):
    """An identifier that is not well formed in its scheme (a wrong check digit, a wrong shape)."""


def _split(text: str) -> tuple[str, str]:
    scheme, colon, value = text.partition(":")
    if not colon:
        raise IdentifierError(f"identifier {text!r} has no scheme: write scheme:value")
    return scheme.strip().lower(), value.strip()


def _ipi(value: str) -> str:
    digits = _SEPARATORS.sub("", value)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 11:
        raise IdentifierError(f"ipi {value!r}: an IPI name number is at most 11 digits")
    digits = digits.zfill(11)
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 0 if total % 101 == 0 else (101 - total % 101) % 100
    if int(digits[9:]) != check:
        raise IdentifierError(f"ipi {digits!r}: check number is {digits[9:]}, expected {check:02d}")
    return digits


def _isni(value: str) -> str:
    chars = _SEPARATORS.sub("", value).upper()
    if len(chars) != 16 or not chars[:15].isascii() or not chars[:15].isdigit() or chars[15] not in "0123456789X":
        raise IdentifierError(f"isni {value!r}: 15 digits and a check character")
    p = 0
    for d in chars[:15]:
        p = ((p + int(d)) * 2) % 11
    check = (12 - p) % 11
    expected = "X" if check == 10 else str(check)
    if chars[15] != expected:
        raise IdentifierError(f"isni {chars!r}: check character is {chars[15]}, expected {expected}")
    return chars


def _iswc(value: str) -> str:
    chars = _SEPARATORS.sub("", value).upper()
    if len(chars) != 11 or chars[0] != "T" or not chars[1:].isascii() or not chars[1:].isdigit():
        raise IdentifierError(f"iswc {value!r}: T and 10 digits")
    digits = [int(d) for d in chars[1:]]
    check = (10 - (1 + sum(i * d for i, d in enumerate(digits[:9], start=1))) % 10) % 10
    if digits[9] != check:
        raise IdentifierError(f"iswc {chars!r}: check digit is {digits[9]}, expected {check}")
    return chars


def _isrc(value: str) -> str:
    chars = _SEPARATORS.sub("", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}", chars):
        raise IdentifierError(f"isrc {value!r}: 2 letters, 3 letters or digits, 7 digits")
    return chars


def _ean13_check(first12: str) -> int:
    return (10 - sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12)) % 10) % 10


def _isbn(value: str) -> str:
    chars = _SEPARATORS.sub("", value).upper()
    if len(chars) == 10 and chars[:9].isascii() and chars[:9].isdigit() and chars[9] in "0123456789X":
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(chars))
        if total % 11 != 0:
            raise IdentifierError(f"isbn {chars!r}: ISBN-10 check digit does not match")
        first12 = "978" + chars[:9]
        return first12 + str(_ean13_check(first12))
    if len(chars) != 13 or not chars.isascii() or not chars.isdigit() or chars[:3] not in ("978", "979"):
        raise IdentifierError(f"isbn {value!r}: 13 digits starting 978 or 979, or an ISBN-10")
    if int(chars[12]) != _ean13_check(chars[:12]):
        raise IdentifierError(f"isbn {chars!r}: check digit is {chars[12]}, expected {_ean13_check(chars[:12])}")
    return chars


_PARTY = {"ipi": _ipi, "isni": _isni}
_WORK = {"iswc": _iswc, "isrc": _isrc, "isbn": _isbn, "isni": _isni}


def normal_party_id(text: str) -> str:
    """`IPI:522-100-40` → `ipi:00052210040`; `isni:0000 0001 2103 2683` → `isni:0000000121032683`."""
    scheme, value = _split(text)
    if scheme not in _PARTY:
        raise IdentifierError(f"party identifier {text!r}: the scheme is ipi or isni")
    return f"{scheme}:{_PARTY[scheme](value)}"


def normal_work_id(text: str) -> str:
    """`ISWC:T-034.524.680-1` → `iswc:T0345246801`; doi, url, local and iscc unchanged."""
    scheme, value = _split(text)
    if scheme in _WORK:
        return f"{scheme}:{_WORK[scheme](value)}"
    return text
