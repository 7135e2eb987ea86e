"""Every user-facing string has a zh-Hans translation, and the catalogues match the source."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = [
    *sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")),
    ROOT / "locale/zh_Hans/LC_MESSAGES/django.po",
]


def msgids(path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(path)) if not entry.obsolete}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_zh_hans_entry_is_translated_and_not_fuzzy(path: Path) -> None:
    catalogue = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed (make test installs it)")
def test_catalogues_contain_exactly_the_strings_in_the_source(tmp_path: Path) -> None:
    """Re-extract into a copy of the tree: no string may be missing from (or stale in) a catalogue."""
    copy = tmp_path / "laurel"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", "*.mo", "node_modules")
    )
    (copy / ".venv").symlink_to(ROOT / ".venv")
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "messages-update"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    drift = {}
    for path in CATALOGUES:
        fresh = copy / path.relative_to(ROOT)
        missing, stale = msgids(fresh) - msgids(path), msgids(path) - msgids(fresh)
        if missing or stale:
            drift[str(path.relative_to(ROOT))] = {"missing": sorted(missing), "stale": sorted(stale)}
    assert not drift, f"run `make messages-update` and translate: {drift}"


def test_no_two_catalogues_translate_the_same_msgid_and_context_differently() -> None:
    """Django merges every app's catalogue into one: the same English string in the same context must
    have one Chinese text, or the catalogue loaded first silently wins on every page. Where one
    English word means different things, the source gives it a context (``pgettext``)."""
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            text = entry.msgstr or " | ".join(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
            seen.setdefault((entry.msgctxt, entry.msgid), {})[str(path.relative_to(ROOT))] = text
    collisions = {
        f"{ctx + ' | ' if ctx else ''}{msgid}": where
        for (ctx, msgid), where in seen.items()
        if len(set(where.values())) > 1
    }
    assert not collisions, f"give these a context (pgettext) or one translation: {collisions}"


def test_no_catalogue_of_an_app_listed_before_ours_overrides_our_chinese() -> None:
    """Django, the admin and the other apps installed before Laurel's come first in the merged
    catalogue: a msgid they translate otherwise would show their text on our pages ("Change" as
    修改 where a caseworker reads 变更方式). Such strings get a context of our own."""
    from django.apps import apps

    ours = {}
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)):
            if not entry.obsolete and not entry.msgid_plural:
                ours[(entry.msgctxt, entry.msgid)] = entry.msgstr
    overridden = {}
    for config in apps.get_app_configs():
        if (ROOT / config.label).resolve() == Path(config.path).resolve():
            break  # Laurel's own apps from here on: theirs come after and lose to ours
        mo = Path(config.path) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
        if not mo.exists():
            continue
        for entry in polib.mofile(str(mo)):
            key = (entry.msgctxt, entry.msgid)
            if entry.msgstr and key in ours and ours[key].strip() != entry.msgstr.strip():
                overridden[f"{config.name}: {entry.msgid}"] = (ours[key], entry.msgstr)
    assert not overridden, f"give these a context (pgettext): {overridden}"


def test_a_word_with_two_meanings_is_translated_by_its_context() -> None:
    from django.utils import translation

    # Looked up through variables so that makemessages does not extract this test's strings.
    expected = [
        ("case kind", "Letter", "来信"),
        (None, "Letter", "文书"),
        ("subject", "Record", "档案号"),
        ("dispatch", "Record", "登记"),
        ("person", "Name", "姓名"),
        (None, "Name", "名称"),
    ]
    with translation.override("zh-hans"):
        for context, word, chinese in expected:
            found = translation.pgettext(context, word) if context else translation.gettext(word)
            assert found == chinese, (context, word, found)
