"""System check: real CJK fonts must be installed, or letters would render as tofu."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register()
def cjk_fonts_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .rendering import cjk_font_families

    if cjk_font_families():
        return []
    return [
        checks.Warning(
            "No Chinese (zh-cn) font is installed: decision letters cannot be rendered.",
            hint="Install fonts-noto-cjk (make demo / make test do), then check with `fc-list :lang=zh-cn`.",
            id="letters.W001",
        )
    ]
