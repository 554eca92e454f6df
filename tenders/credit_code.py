"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check character."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The 31 characters the code uses: digits and capitals without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must use ALPHABET)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_fault(value: str) -> str | None:
    """Why ``value`` is not a valid unified social credit code, or None when it is."""
    code = (value or "").strip().upper()
    if len(code) != LENGTH:
        return _("must be 18 characters, not %(n)d") % {"n": len(code)}
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return _("contains characters the code never uses: %(chars)s") % {"chars": " ".join(bad)}
    if not code[2:8].isdigit():
        return _("characters 3–8 must be the digits of an administrative division")
    expected = check_character(code[:17])
    if code[17] != expected:
        return _("check character is %(got)s but should be %(expected)s") % {
            "got": code[17],
            "expected": expected,
        }
    return None


def validate_credit_code(value: str) -> None:
    fault = credit_code_fault(value)
    if fault:
        raise ValidationError(
            _("Unified social credit code %(value)s %(fault)s.")
            % {"value": value, "fault": fault},
            code="invalid_credit_code",
        )
