"""The unified social credit code (GB 32100) and its check character."""

import pytest
from django.core.exceptions import ValidationError

from tenders.credit_code import check_character, credit_code_fault, validate_credit_code

# A code published as the standard's worked example.
VALID = "91350100M000100Y43"


def test_a_valid_code_passes():
    assert credit_code_fault(VALID) is None
    assert credit_code_fault(VALID.lower()) is None
    validate_credit_code(VALID)


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("91350100M000100Y4", "must be 18 characters, not 17"),
        ("", "must be 18 characters, not 0"),
        ("91350100M000100YI3", "contains characters the code never uses: I"),
        ("913501O0M000100Y4S", "contains characters the code never uses: O S"),
        ("91A50100M000100Y43", "characters 3–8 must be the digits of an administrative division"),
        ("91350100M000100Y44", "check character is 4 but should be 3"),
    ],
)
def test_each_fault_is_named(value, fault):
    assert credit_code_fault(value) == fault


def test_the_validator_names_the_code_and_the_fault():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code("91350100M000100Y44")

    assert exc.value.messages == [
        "Unified social credit code 91350100M000100Y44 check character is 4 but should be 3."
    ]


def test_every_single_character_change_is_caught():
    # The weights are chosen so that any one wrong character changes the check character.
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for ch in alphabet:
            if ch == VALID[position] or (2 <= position < 8 and not ch.isdigit()):
                continue
            changed = VALID[:position] + ch + VALID[position + 1 :]
            assert check_character(changed[:17]) != VALID[17], changed
