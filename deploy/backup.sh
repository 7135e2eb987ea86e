#!/usr/bin/env bash
# Back up Laurel: the database (pg_dump, custom format) and the files kept outside it — letters,
# attachments, media, audit checkpoints, the anchor log, verification keys (current and retired)
# and the letter signing pair. Usage:  deploy/backup.sh DEST_DIR
# Needs the production environment (DATABASE_URL, LAUREL_VAR_DIR, ...) and the virtualenv.
# Writes DEST_DIR/laurel-<UTC stamp>.dump and DEST_DIR/laurel-files-<UTC stamp>.tar.gz, and
# prints both paths. Restore with deploy/restore.sh. See docs/OPERATIONS.md, "Backup and restore".
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:?usage: deploy/backup.sh DEST_DIR}
PY=${PYTHON:-.venv/bin/python}
mkdir -p "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dump="$dest/laurel-$stamp.dump"
files="$dest/laurel-files-$stamp.tar.gz"

# The file locations come from the settings, so overridden paths are backed up too.
mapfile -t paths < <("$PY" manage.py shell -v 0 -c '
from django.conf import settings as s
import os
for p in (s.LAUREL_LETTER_DIR, s.LAUREL_ATTACHMENT_DIR, s.MEDIA_ROOT, s.LAUREL_AUDIT_CHECKPOINT_DIR,
          s.LAUREL_AUDIT_ANCHOR_FILE, s.LAUREL_AUDIT_VERIFY_KEY, s.LAUREL_AUDIT_RETIRED_KEYS_DIR,
          s.LAUREL_LETTER_SIGNING_CERT):
    if os.path.exists(p):
        print(os.path.abspath(p))
')

pg_dump --format=custom --no-owner --no-privileges --file "$dump" "$DATABASE_URL"
# Absolute paths (-P): the restore puts every file back where the settings expect it.
tar -czPf "$files" "${paths[@]}"
echo "$dump"
echo "$files"
