"""A re-run with nothing changed reuses the last run's result (``crosscheck.reuse``).

PostgreSQL: every statement that writes a table a run reads (the register's subjects and benefits,
the department batches and rows, the discrepancies and suspected duplicates the merge compares
with) leaves a row in ``crosscheck_inputchange`` with its transaction's id (a statement trigger;
insert-only, so writers never wait on each other). A run's own writes (its merge, its suspected
duplicates) are marked ``run:<id>`` (``laurel.crosscheck_run``, set while it writes).
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = (
    "subjects_subject",
    "subjects_benefit",
    "crosscheck_datasetbatch",
    "crosscheck_datasetrow",
    "crosscheck_discrepancy",
    "crosscheck_duplicatesuspect",
)

INSTALL = """
CREATE TABLE crosscheck_inputchange (
  id bigserial PRIMARY KEY,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  source varchar(63) NOT NULL
);
CREATE INDEX crosscheck_inputchange_xid ON crosscheck_inputchange (xid);
CREATE OR REPLACE FUNCTION crosscheck_note_input_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO crosscheck_inputchange (source) VALUES (
    COALESCE('run:' || NULLIF(current_setting('laurel.crosscheck_run', true), ''), TG_TABLE_NAME)
  );
  RETURN NULL;
END;
$$;
""" + "".join(
    f"CREATE TRIGGER crosscheck_input_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION crosscheck_note_input_change();\n"
    f"CREATE TRIGGER crosscheck_input_truncate AFTER TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION crosscheck_note_input_change();\n"
    for table in TABLES
)

REMOVE = "".join(
    f"DROP TRIGGER IF EXISTS crosscheck_input_change ON {table};\n"
    f"DROP TRIGGER IF EXISTS crosscheck_input_truncate ON {table};\n"
    for table in TABLES
) + "DROP FUNCTION IF EXISTS crosscheck_note_input_change();\nDROP TABLE IF EXISTS crosscheck_inputchange;\n"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('crosscheck', '0006_merge_branches'),
        ('subjects', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='run',
            name='inputs',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='inputs fingerprint'),
        ),
        migrations.AddField(
            model_name='run',
            name='mark',
            field=models.BigIntegerField(default=0, verbose_name='last input change seen'),
        ),
        migrations.AddField(
            model_name='run',
            name='reused_from',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='crosscheck.run', verbose_name='result of'),
        ),
        migrations.AddField(
            model_name='run',
            name='snapshot',
            field=models.TextField(blank=True, verbose_name='snapshot'),
        ),
        migrations.AddField(
            model_name='run',
            name='xid',
            field=models.CharField(blank=True, max_length=24, verbose_name='transaction'),
        ),
    migrations.RunPython(install, remove),
    ]
