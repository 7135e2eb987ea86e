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
