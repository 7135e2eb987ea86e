"""National ID numbers: normalisation, GB 11643 validation, encryption, blind index, masking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.fernet import Fernet

from subjects import ids


@pytest.fixture(autouse=True, params=["standard", "gm"])
def crypto_profile(request: Any, settings: Any) -> str:
    """Every test here runs under both cryptographic profiles (core.crypto)."""
    settings.LAUREL_CRYPTO_PROFILE = request.param
    return str(request.param)


STANDARD_EXAMPLE = "11010519491231002X"  # GB 11643-1999's own example


def test_the_standards_example_is_valid_and_decoded() -> None:
    info = ids.validate(STANDARD_EXAMPLE, check_division=False)
    assert info.number == STANDARD_EXAMPLE
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "female"
    assert info.division_code == "110105"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 19491231 002X",
        " 110105-19491231-002x ",
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_full_width_spaces_and_lower_case_x_are_normalised_not_rejected(raw: str) -> None:
    assert ids.normalise(raw) == STANDARD_EXAMPLE
    assert ids.validate(raw, check_division=False).number == STANDARD_EXAMPLE


def test_a_15_digit_number_is_upgraded_to_18() -> None:
    info = ids.validate("110105491231002", check_division=False)
    assert info.number == STANDARD_EXAMPLE
    assert ids.blind_index("110105491231002") == ids.blind_index(STANDARD_EXAMPLE)


def test_every_single_character_change_is_detected() -> None:
    alphabet = "0123456789X"
    for position in range(18):
        for char in alphabet:
            if char == STANDARD_EXAMPLE[position] or (char == "X" and position < 17):
                continue
            changed = STANDARD_EXAMPLE[:position] + char + STANDARD_EXAMPLE[position + 1 :]
            assert not ids.is_valid(changed, check_division=False), changed


def test_transposed_neighbours_are_detected() -> None:
    for position in range(16):
        a, b = STANDARD_EXAMPLE[position], STANDARD_EXAMPLE[position + 1]
        if a == b:
            continue
        swapped = STANDARD_EXAMPLE[:position] + b + a + STANDARD_EXAMPLE[position + 2 :]
        assert not ids.is_valid(swapped, check_division=False), swapped


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1101051949123100", "format"),
        ("1101051949123100211", "format"),
        ("11010519491231002Y", "format"),
        ("X10105194912310021", "format"),
        ("110105194912310021", "checksum"),
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(raw: str, code: str) -> None:
    with pytest.raises(ids.InvalidIdNumber) as excinfo:
        ids.validate(raw, check_division=False)
    assert excinfo.value.code == code
    assert raw.strip() == "" or raw not in str(excinfo.value.messages)


@pytest.mark.parametrize(
    "birth",
    ["19490230", "19490631", "19001301", "19000229", "18600101", "29990101"],
)
def test_impossible_birth_dates_are_refused(birth: str) -> None:
    first17 = "110105" + birth + "002"
    number = first17 + ids.check_char(first17)
    with pytest.raises(ids.InvalidIdNumber) as excinfo:
        ids.validate(number, check_division=False)
    assert excinfo.value.code == "date"


def test_a_leap_day_is_a_real_date() -> None:
    info = ids.validate(ids.build("110105", dt.date(2000, 2, 29), 1), check_division=False)
    assert info.birth_date == dt.date(2000, 2, 29)


def test_unknown_division_prefix_is_refused() -> None:
    known = {"11", "1101", "110105"}
    assert ids.validate(STANDARD_EXAMPLE, known_divisions=known).division_code == "110105"
    # A county abolished since the number was issued keeps a known city: accepted.
    assert ids.is_valid(ids.build("110199", dt.date(1960, 1, 1), 3), known_divisions=known)
    with pytest.raises(ids.InvalidIdNumber) as excinfo:
        ids.validate(ids.build("990101", dt.date(1960, 1, 1), 3), known_divisions=known)
    assert excinfo.value.code == "division"


@pytest.mark.django_db
def test_division_prefix_is_checked_against_the_loaded_division_tree() -> None:
    ids.forget_known_divisions()
    assert ids.is_valid(ids.build("440106", dt.date(1960, 1, 1), 3))
    assert not ids.is_valid(ids.build("990101", dt.date(1960, 1, 1), 3))


def test_sex_comes_from_the_sequence_number() -> None:
    assert ids.validate(ids.build("110105", dt.date(1960, 1, 1), 11), check_division=False).sex == "male"
    assert ids.validate(ids.build("110105", dt.date(1960, 1, 1), 12), check_division=False).sex == "female"


def test_mask_hides_the_birth_date_and_sequence() -> None:
    assert ids.mask(STANDARD_EXAMPLE) == "110105********002X"
    assert ids.mask("11010519491231002x") == "110105********002X"


def test_encryption_round_trip_and_tokens_differ_each_time() -> None:
    token = ids.encrypt(STANDARD_EXAMPLE)
    assert STANDARD_EXAMPLE not in token
    assert ids.decrypt(token) == STANDARD_EXAMPLE
    assert ids.encrypt(STANDARD_EXAMPLE) != token


def test_key_rotation_keeps_old_tokens_readable_and_rotate_moves_them(settings) -> None:
    old_token = ids.encrypt(STANDARD_EXAMPLE)
    new_key = Fernet.generate_key().decode()
    settings.LAUREL_ID_ENCRYPTION_KEYS = [new_key, *settings.LAUREL_ID_ENCRYPTION_KEYS]
    assert ids.decrypt(old_token) == STANDARD_EXAMPLE
    rotated = ids.rotate(old_token)
    settings.LAUREL_ID_ENCRYPTION_KEYS = [new_key]
    assert ids.decrypt(rotated) == STANDARD_EXAMPLE
    with pytest.raises(ValueError, match="does not decrypt"):
        ids.decrypt(old_token)


def test_blind_index_is_stable_keyed_and_ignores_typing_differences(settings) -> None:
    index = ids.blind_index(STANDARD_EXAMPLE)
    assert len(index) == 64
    assert ids.blind_index("１１０１０５１９４９１２３１００２ｘ") == index
    assert ids.blind_indexer()(STANDARD_EXAMPLE) == index
    settings.LAUREL_ID_BLIND_INDEX_KEY = "another-key-another-key-another-key"
    assert ids.blind_index(STANDARD_EXAMPLE) != index


@pytest.mark.django_db
def test_rotate_id_keys_reencrypts_every_subject_under_the_new_key(settings, make_subject) -> None:
    from django.core.management import call_command

    subjects = [make_subject(), make_subject()]
    numbers = [ids.decrypt(s.id_number_encrypted) for s in subjects]
    new_key = Fernet.generate_key().decode()
    old_keys = list(settings.LAUREL_ID_ENCRYPTION_KEYS)
    settings.LAUREL_ID_ENCRYPTION_KEYS = [new_key, *old_keys]
    call_command("rotate_id_keys", verbosity=0)
    settings.LAUREL_ID_ENCRYPTION_KEYS = [new_key]  # the old key is gone: everything must still read
    for subject, number in zip(subjects, numbers, strict=True):
        subject.refresh_from_db()
        assert ids.decrypt(subject.id_number_encrypted) == number
