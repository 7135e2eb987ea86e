"""``manage.py rotate_id_keys``: re-encrypt every stored ID number under the current (first) key.

Rotation: put a new key first in ``LAUREL_ID_ENCRYPTION_KEYS`` (keep the old ones after it),
restart, run this command, then drop the old keys. The blind index is not affected (its key is
separate and is never rotated: changing it would break lookups and joins).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from audit.log import record
from subjects import ids
from subjects.models import Subject

BATCH = 2000


class Command(BaseCommand):
    help = "Re-encrypt every stored national ID number under the first key of LAUREL_ID_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        fernet = ids.fernet()
        total = Subject.objects.count()
        bar = tqdm(total=total, desc="ID numbers", unit="row", disable=options["verbosity"] < 1)
        last_id, rotated = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    Subject.objects.select_for_update()
                    .filter(id__gt=last_id)
                    .order_by("id")
                    .values_list("id", "id_number_encrypted")[:BATCH]
                )
                if not rows:
                    break
                changed = []
                for pk, token in rows:
                    try:
                        new = fernet.rotate(token.encode("ascii")).decode("ascii")
                    except Exception:
                        raise CommandError(
                            f"subject {pk}: its ID number does not decrypt under any configured key; "
                            "add the missing old key to LAUREL_ID_ENCRYPTION_KEYS and run again"
                        ) from None
                    changed.append(Subject(pk=pk, id_number_encrypted=new))
                Subject.objects.bulk_update(changed, ["id_number_encrypted"], batch_size=BATCH)
                rotated += len(changed)
                last_id = rows[-1][0]
            bar.update(len(rows))
        bar.close()
        record(
            event_type="subject.id_keys_rotated", actor=None, object_type="subjects.subject", data={"count": rotated}
        )
        if options["verbosity"] >= 1:
            self.stdout.write(f"{rotated} ID numbers re-encrypted under the current key")
