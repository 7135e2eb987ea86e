"""The position of an article for sorting: 第二十二条 → 22, 第一百零三条 → 103, 第22条 → 22."""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
ARTICLE = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)条")


def chinese_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in UNITS:
            total += (1 if digit is None else digit) * UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def article_position(number: str) -> int | None:
    """The article's number as an integer (None when the text names no 第…条)."""
    match = ARTICLE.search(number)
    return chinese_number(match.group(1)) if match else None
