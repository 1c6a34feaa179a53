"""Ticket codes: 12 random symbols of Crockford's base 32 and one check symbol.

The check symbol comes from Damm's algorithm over the quasigroup x∘y = 2·x ⊕ y in GF(32): it detects
every single-symbol error and every swap of two adjacent symbols, and it stays within the same 32
symbols (no I, L, O or U to misread). Symbols come from ``secrets``: a code tells nothing about another.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
VALUES = {c: i for i, c in enumerate(ALPHABET)}
# What people type for what they see.
CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
BODY_LENGTH = 12
_POLY = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _times_two(x: int) -> int:
    x <<= 1
    return x ^ _POLY if x & 0b100000 else x


def _damm(values) -> int:
    interim = 0
    for v in values:
        interim = _times_two(interim) ^ v
    return interim


def check_symbol(body: str) -> str:
    """The symbol c that makes the whole code's Damm value 0: 2·interim ⊕ c = 0."""
    return ALPHABET[_times_two(_damm(VALUES[c] for c in body))]


def generate() -> str:
    """60 bits from the operating system's CSPRNG, written as 12 symbols, then the check symbol."""
    bits = secrets.randbits(5 * BODY_LENGTH)
    values = [(bits >> (5 * i)) & 31 for i in range(BODY_LENGTH)]
    return "".join(ALPHABET[v] for v in values) + ALPHABET[_times_two(_damm(values))]


def normalise(typed: str) -> str:
    """Upper case, without spaces or dashes, with look-alike letters read as Crockford does."""
    return "".join(typed.split()).replace("-", "").upper().translate(CONFUSABLE)


def is_well_formed(code: str) -> bool:
    """Right length, right symbols, and the check symbol matches (a typo is caught before any lookup)."""
    if len(code) != BODY_LENGTH + 1 or any(c not in VALUES for c in code):
        return False
    return _damm(VALUES[c] for c in code) == 0


def display(code: str) -> str:
    """« 7K3M-Q9ZD-W2RT-5 » for print and screens; people may type it with or without dashes."""
    if len(code) != BODY_LENGTH + 1:
        return code
    return f"{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12]}"
