from django.db import migrations


def forwards(apps, schema_editor):
    from calls.outcomes import ensure_outcomes
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)
    ensure_outcomes(apps.get_model("calls", "CallOutcome"))


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0002_initial"),
        ("clients", "0002_initial"),
        ("orders", "0001_initial"),
        ("orderdesk", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
