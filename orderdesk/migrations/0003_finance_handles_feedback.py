from django.db import migrations


def forwards(apps, schema_editor):
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("orderdesk", "0002_analyze_small_tables"), ("calls", "0004_sort_order_label")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
