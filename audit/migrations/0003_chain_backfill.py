"""Link the events written before the hash chain existed into their chains, in id order."""

from django.db import migrations


def backfill(apps, schema_editor):
    from audit.chain import event_hash
    from audit.models import GENESIS_HASH, chain_for, codes_for

    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    heads = {}
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        chain = chain_for(event.division_code)
        seq, prev = heads.get(chain, (0, GENESIS_HASH))
        values = {
            "chain": chain,
            "seq": seq + 1,
            "prev_hash": prev,
            "actor_role": event.actor_role,
            **codes_for(event.division_code),
        }
        for name, value in values.items():
            setattr(event, name, value)
        fields = {name: getattr(event, name) for name in (
            "chain", "seq", "prev_hash", "occurred_at", "event_type", "actor_id", "actor_username", "actor_role",
            "object_type", "object_id", "division_code", "province_code", "city_code", "county_code", "data",
        )}
        values["hash"] = event_hash(fields)
        AuditEvent.objects.filter(pk=event.pk).update(**values)
        heads[chain] = (seq + 1, values["hash"])
    for chain, (seq, hash_) in heads.items():
        ChainHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "hash": hash_})


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
