"""Index for the reviewers' client list: keyset pages newest first by (created_at, id).

Created with SQL (not Meta.indexes) to keep clients/models.py untouched while other work
edits it; the lead may move it into Client.Meta.indexes at merge.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_client_type_sweep_asleep")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS client_created_keyset "
            "ON clients_client (created_at DESC, id DESC)",
            reverse_sql="DROP INDEX IF EXISTS client_created_keyset",
        )
    ]
