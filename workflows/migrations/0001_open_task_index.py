"""A partial index on viewflow's task table for Laurel's inbox, queue and navigation counts.

viewflow indexes tasks by process and creation time only; the inbox and queue ask for the
open tasks (NEW/ASSIGNED) of some nodes, by owner. With millions of finished tasks, only the
open ones belong in this index. (viewflow's own migrations do not touch it.)
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX workflows_open_task_idx ON viewflow_task (flow_task, owner_id, process_id) "
    "WHERE status IN ('NEW', 'ASSIGNED')"
)
DROP = "DROP INDEX workflows_open_task_idx"


class Migration(migrations.Migration):
    dependencies = [("viewflow", "0015_task_scheduled")]

    operations = [migrations.RunSQL(CREATE, DROP)]
