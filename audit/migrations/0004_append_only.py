"""One event per (chain, position); on PostgreSQL a trigger makes the event table append-only.

The trigger refuses UPDATE, DELETE and TRUNCATE for every role, the table owner included.
A superuser can still bypass it (``session_replication_role = replica``, or dropping it):
that is what the hash chain and the signed checkpoints detect. One escape: a *superuser*
session that sets ``laurel.audit_allow_truncate = 'on'`` may TRUNCATE, so the test suite
can flush its database between transactional tests (a superuser could disable the trigger
anyway, so this opens nothing new). Production runs the application as a role with only
SELECT and INSERT on the table (README, "Audit trail").
"""

from django.db import migrations, models

INSTALL = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE'
     AND current_setting('laurel.audit_allow_truncate', true) = 'on'
     AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_backfill")]

    operations = [
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="audit_chain_seq_unique"),
        ),
        migrations.RunPython(install, remove),
    ]
