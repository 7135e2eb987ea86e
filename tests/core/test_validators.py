"""Names and titles refuse invisible and text-direction characters; rare CJK passes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.validators import invisible_characters, no_invisible_characters


@pytest.mark.parametrize(
    "value",
    [
        "王\u202e国建",  # right-to-left override
        "王\u2066建国\u2069",  # left-to-right isolate
        "王\u200b建国",  # zero-width space
        "王\u200d建国",  # zero-width joiner
        "\ufeff王建国",  # byte-order mark
        "王\u00ad建国",  # soft hyphen
        "王\u3164建国",  # Hangul filler, a letter that shows nothing
        "王\x07建国",  # a control character
        "王\u2028建国",  # line separator
    ],
)
def test_invisible_characters_are_refused_with_their_codes(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        no_invisible_characters(value)
    assert invisible_characters(value)[0] in exc.value.messages[0]


@pytest.mark.parametrize("value", ["王建国", "𫖯", "䶮", "孙䶮", "葛\U000e0100", "阿依古丽·买买提", "Zhang San", ""])
def test_rare_cjk_variation_selectors_and_ordinary_names_pass(value: str) -> None:
    no_invisible_characters(value)
    assert invisible_characters(value) == []
