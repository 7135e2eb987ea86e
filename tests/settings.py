"""Settings for the test suite: the environment defaults in /conftest.py, then config.settings.

pytest-django reads the settings before any conftest.py is loaded, so the defaults are
imported here explicitly.
"""

import conftest  # noqa: F401  (sets test-only environment defaults)
from config.settings import *  # noqa: F403

# Tests run with DEBUG off but without collectstatic: serve and resolve static files from the
# source folders instead of a manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns about a missing root)
LAUREL_ALLOW_SAMPLE_STANDARDS = True  # the shipped sample standards (示例) pay in tests; production refuses them

# The suite runs on the local-memory cache unless LAUREL_CACHE_URL names Redis; django-ratelimit
# then refuses to start (it wants a cache shared by every web process, as production has). The test
# process is one process, so its limits hold there.
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):  # noqa: F405
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003", "django_ratelimit.W001"]  # noqa: F405
