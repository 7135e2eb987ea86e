#!/usr/bin/env bash
# Build a production tree in place: compiled translation catalogues and collected static files.
# The Dockerfile runs this, and so does CI (tests/deploy/test_production_install.py), in a fresh
# copy of the repository. It needs the virtualenv (.venv, or $PYTHON) and gettext's msgfmt; it
# needs no database and no secret: the settings are loaded with throw-away build-only values
# unless real ones are in the environment (nothing built here depends on them).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
build_env=(
  DEBUG=0
  "SECRET_KEY=${SECRET_KEY:-build-only-not-a-secret-$(printf '%040d' 0)}"
  "LAUREL_ID_ENCRYPTION_KEYS=${LAUREL_ID_ENCRYPTION_KEYS:-YnVpbGQtb25seS1ub3QtYS1rZXktMDAwMDAwMDAwMDA=}"
  "LAUREL_ID_BLIND_INDEX_KEY=${LAUREL_ID_BLIND_INDEX_KEY:-build-only-not-a-blind-index-key-000000}"
  "DATABASE_URL=${DATABASE_URL:-sqlite:////nonexistent/build-needs-no-database.sqlite3}"
)

echo "== compiling translation catalogues"
env "${build_env[@]}" "$PY" manage.py compilemessages --ignore=.venv --ignore=var -v 0

echo "== collecting static files into STATIC_ROOT (hashed names, compressed copies)"
env "${build_env[@]}" "$PY" manage.py collectstatic --noinput --clear -v 0

echo "== built: $(find locale */locale -name '*.mo' | wc -l) catalogues, static files in $(env "${build_env[@]}" "$PY" -c 'import django, os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings"); django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)')"
