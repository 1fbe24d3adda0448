"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters: registration authority (1), organization type (1), administrative division (6),
the organization code of GB 11714 (8 + its own check character) and a final check character
computed over the first 17 positions with weights 3^i mod 31.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

MESSAGE_LENGTH = _("A unified social credit code has exactly 18 characters; this one has %(length)d.")
MESSAGE_CHARACTERS = _(
    "A unified social credit code uses only digits and the capital letters "
    "A–Y without I, O, S, V and Z; “%(chars)s” is not allowed."
)
MESSAGE_DIVISION = _(
    "Characters 3–8 of a unified social credit code are the division code and must be digits."
)
MESSAGE_CHECK = _(
    "The check character of this unified social credit code is wrong: please copy it again from the business licence."
)


def normalize(value: str) -> str:
    return "".join(str(value or "").split()).upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    """GB 11714 check character of the 9-character organization code inside the credit code."""
    total = sum(
        ALPHABET.index(c) * w if c.isdigit() else (ord(c) - 55) * w
        for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_credit_code(value: str) -> None:
    code = normalize(value)
    if len(code) != 18:
        raise ValidationError(MESSAGE_LENGTH, code="length", params={"length": len(code)})
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise ValidationError(MESSAGE_CHARACTERS, code="characters", params={"chars": "".join(bad)})
    if not code[2:8].isdigit():
        raise ValidationError(MESSAGE_DIVISION, code="division")
    if code[17] != check_character(code[:17]) or code[16] != org_code_check_character(code[8:16]):
        raise ValidationError(MESSAGE_CHECK, code="check")


def complete(first16: str) -> str:
    """Append both check characters to 16 characters (used by demo data and tests)."""
    first16 = normalize(first16)
    first17 = first16 + org_code_check_character(first16[8:16])
    return first17 + check_character(first17)
