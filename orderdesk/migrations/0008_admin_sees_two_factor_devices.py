from django.db import migrations


def forwards(apps, schema_editor):
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """The Admin role sees two-factor devices and removes a lost one."""

    dependencies = [
        ("orderdesk", "0007_finance_sees_the_call_log"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
