from django.db import migrations


def forwards(apps, schema_editor):
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """The Admin role sees sign-in attempts (django-axes) and unblocks a locked-out login."""

    dependencies = [
        ("orderdesk", "0003_finance_handles_feedback"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
