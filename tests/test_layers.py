"""The layering contract names every top-level package, so a new app cannot slip past it."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
NOT_APPS = {"tests", "bench"}  # test and benchmark code may import anything


def contract() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return parser


def listed(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def layer_names() -> set[str]:
    names: set[str] = set()
    for line in listed(contract()["importlinter:contract:layers"]["layers"]):
        names.update(re.sub(r"[()]", "", part).strip() for part in line.split("|"))
    return names


def top_level_packages() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py")} - NOT_APPS


def test_every_top_level_package_is_a_root_package_and_a_layer() -> None:
    roots = set(listed(contract()["importlinter"]["root_packages"]))
    assert top_level_packages() - roots == set(), "add the package to root_packages in .importlinter"
    assert top_level_packages() - layer_names() == set(), "give the package its layer in .importlinter"


def test_every_installed_laurel_app_is_layered() -> None:
    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert ours, "the settings name Laurel's own apps"
    assert ours - layer_names() == set()


def test_no_exceptions_are_listed() -> None:
    for name, section in contract().items():
        assert "ignore_imports" not in section, f"{name}: the contracts hold with no exceptions"
