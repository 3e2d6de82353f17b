from django.db import migrations


def forwards(apps, schema_editor):
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Managers, heads, finance and admins may export lists; operators may not."""

    dependencies = [("orderdesk", "0005_export_record")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
