from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo seeding (``seed_demo``, ``seed_demo_cases``): above every app, inside none."""

    name = "demo"
