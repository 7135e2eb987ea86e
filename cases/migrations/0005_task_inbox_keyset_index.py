"""The keyset index of the inbox's "waiting" order on viewflow's task table (cases.queries.TASK_SORTS).

viewflow owns the table, so the index is created here by SQL that PostgreSQL and SQLite both run.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_list_sort_indexes"),
        ("viewflow", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS case_task_owner_created_idx ON viewflow_task (owner_id, created, id)",
            "DROP INDEX IF EXISTS case_task_owner_created_idx",
        )
    ]
