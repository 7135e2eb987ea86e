#!/usr/bin/env bash
# Restore a Laurel backup made by deploy/backup.sh into an EMPTY database and the file paths of
# the settings. Usage:  deploy/restore.sh DUMP FILES_TAR
# DATABASE_URL names the (new, empty) database; create it first (createdb). Afterwards run
#   python manage.py verify_audit_chain       (must print OK)
# and check a letter with python manage.py verify_letter FILE. See docs/OPERATIONS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dump=${1:?usage: deploy/restore.sh DUMP FILES_TAR}
files=${2:?usage: deploy/restore.sh DUMP FILES_TAR}
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$DATABASE_URL" "$dump"
tar -xzPf "$files"
echo "restored $dump and $files"
