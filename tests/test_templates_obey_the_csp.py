"""The pages' templates carry nothing the content-security policy blocks: no inline style, no inline
script, no event-handler attribute, no ``javascript:`` link (CSS and JS are static files).

A fast check of the source for both databases; the browser walk (``tests/test_pages_in_browser.py``,
PostgreSQL) sees what the browser itself blocks. PDF templates are rendered by WeasyPrint, not a
browser, and keep their ``<style>``.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BLOCKED = {
    "inline style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "inline <style>": re.compile(r"<style[\s>]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: link": re.compile(r"javascript:", re.IGNORECASE),
}


def page_templates() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return [p for folder in folders for p in folder.rglob("*.html") if "pdf" not in p.relative_to(folder).parts]


def problems_in(text: str) -> list[str]:
    return [name for name, pattern in BLOCKED.items() if pattern.search(text)]


def test_the_checker_sees_what_the_policy_blocks() -> None:
    assert problems_in('<p style="color:red">') == ["inline style attribute"]
    assert problems_in("<script>alert(1)</script>") == ["inline <script>"]
    assert problems_in('<a href="#" onclick="go()">') == ["event handler attribute"]
    assert problems_in('<a href="javascript:history.back()">') == ["javascript: link"]
    assert problems_in('<script src="/static/laurel/laurel.js" defer></script><p class="field">') == []


def test_no_page_template_has_inline_styles_scripts_or_handlers() -> None:
    templates = page_templates()
    assert len(templates) > 20
    found = {str(p.relative_to(ROOT)): problems_in(p.read_text(encoding="utf-8")) for p in templates}
    assert not {path: names for path, names in found.items() if names}
