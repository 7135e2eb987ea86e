"""Test-run environment, applied before Django reads its settings.

Tests run with DEBUG off (production behaviour) and a throwaway SECRET_KEY; the demo
two-factor exemption is off, so the tests see what production enforces.
"""

import os

os.environ.setdefault("SECRET_KEY", "laurel-test-only-" + "x" * 40)
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("LAUREL_VAR_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
# Test-only ID keys (subjects.ids): a fixed Fernet key and blind-index key, never used elsewhere.
os.environ.setdefault("LAUREL_ID_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWxhdXJlbC1pZC1lbmNyeXB0aW9uLWs=")
os.environ.setdefault("LAUREL_ID_BLIND_INDEX_KEY", "laurel-test-only-blind-index-key-0123456789")
# The audit trigger refuses TRUNCATE; Django flushes between transactional tests with it.
os.environ.setdefault("LAUREL_AUDIT_ALLOW_SUPERUSER_TRUNCATE", "1")
# The shared cache: local memory unless a run sets a Redis of its own (never a database others use).
os.environ.setdefault("LAUREL_CACHE_URL", "locmem://")
os.environ.setdefault("LAUREL_PUBLIC_BASE_URL", "https://laurel.test.invalid")
