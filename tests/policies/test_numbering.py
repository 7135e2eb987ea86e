"""Articles sort by their number, written in Chinese numerals or digits."""

from __future__ import annotations

import pytest

from policies.numbering import article_position


@pytest.mark.parametrize(
    ("number", "position"),
    [("第一条", 1), ("第十条", 10), ("第十九条", 19), ("第二十二条", 22), ("第一百零三条", 103), ("第22条", 22)],
)
def test_an_article_number_gives_its_position(number: str, position: int) -> None:
    assert article_position(number) == position


def test_a_number_without_an_article_has_no_position() -> None:
    assert article_position("附则") is None
