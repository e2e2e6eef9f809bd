"""Protocol numbers: the handle a person reads out on the phone to follow up a request.

Design:
- 7 data characters and 1 check character, shown as two groups of four: ``7KQ2-M9XD``.
- The alphabet is Crockford's base 32 without ``Z`` (too close to ``2`` when handwritten): 31 symbols,
  a prime, so the check character below catches every single wrong character and every swap of two
  characters, adjacent or not. ``I``, ``L``, ``O`` and ``U`` are not in it, so nobody has to ask "O or 0?";
  typed input maps ``O`` to ``0`` and ``I``/``L`` to ``1``, as Crockford's decoder does.
- 31**7 (about 27.5 billion) values: random, so a number reveals nothing about a brand's volume; the
  store makes it unique per brand and the caller draws again on a clash.
- Check: with weights 8, 7, ..., 2 on the data characters and 1 on the check character, the weighted
  sum of the symbol values is 0 modulo 31. Distinct non-zero weights modulo a prime catch any single
  substitution and any transposition.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
MODULUS = len(ALPHABET)  # 31, a prime
DATA_LENGTH = 7
SPACE = MODULUS**DATA_LENGTH
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _weights(length: int) -> range:
    return range(length + 1, 1, -1)


def check_char(data: str) -> str:
    total = sum(w * _VALUE[ch] for w, ch in zip(_weights(len(data)), data, strict=True))
    return ALPHABET[(-total) % MODULUS]


def encode(value: int) -> str:
    """The protocol number for an integer in [0, SPACE)."""
    if not 0 <= value < SPACE:
        raise ValueError(f"protocol value out of range: {value}")
    digits = []
    for _ in range(DATA_LENGTH):
        value, rest = divmod(value, MODULUS)
        digits.append(ALPHABET[rest])
    data = "".join(reversed(digits))
    return _format(data + check_char(data))


def _format(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def normalise(text: str) -> str | None:
    """The canonical form of a typed or spoken protocol number, or None when it is not one.

    Case, spaces, dots and dashes do not matter; O, I and L read as 0, 1 and 1.
    """
    compact = "".join(ch for ch in text.upper() if ch not in " -._").translate(_TYPED)
    if len(compact) != DATA_LENGTH + 1 or any(ch not in _VALUE for ch in compact):
        return None
    if check_char(compact[:-1]) != compact[-1]:
        return None
    return _format(compact)


def is_protocol(text: str) -> bool:
    return normalise(text) is not None
