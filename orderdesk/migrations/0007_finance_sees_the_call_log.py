from django.db import migrations


def forwards(apps, schema_editor):
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Finance reviews calls as the README says (it got 403 on the call log)."""

    dependencies = [("orderdesk", "0006_roles_export_lists")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
