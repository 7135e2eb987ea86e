#!/usr/bin/env python
"""Django's command-line utility for Laurel."""

import os
import sys


def _settings_module_from_argv(argv: list[str]) -> None:
    """Honour ``--settings`` before the settings are loaded below (Django reads it later)."""
    for index, arg in enumerate(argv):
        if arg.startswith("--settings="):
            os.environ["DJANGO_SETTINGS_MODULE"] = arg.split("=", 1)[1]
        elif arg == "--settings" and index + 1 < len(argv):
            os.environ["DJANGO_SETTINGS_MODULE"] = argv[index + 1]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    _settings_module_from_argv(sys.argv)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load the settings first: Django would otherwise swallow a configuration error and
        # fail later with an unrelated one ("Models aren't loaded yet").
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # Bad configuration (environment variables) is the operator's to fix: say what, not where.
        sys.exit(f"Laurel configuration error: {exc}")


if __name__ == "__main__":
    main()
