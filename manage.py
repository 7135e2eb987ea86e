#!/usr/bin/env python
"""Django's command-line utility for Laurel."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # Bad configuration (environment variables) is the operator's to fix: say what, not where.
        sys.exit(f"Laurel configuration error: {exc}")


if __name__ == "__main__":
    main()
