from django.db import migrations

OUTCOMES = [
    # code, name, contact_made, is_sale, needs_callback, is_complete, position
    ("order_taken", "Заказ принят", True, True, False, True, 1),
    ("debt_blocked", "Заказ заблокирован из-за долга", True, False, False, True, 2),
    ("transferred", "Переведён", True, False, False, True, 3),
    ("information_given", "Справка дана", True, False, False, True, 4),
    ("complaint_recorded", "Отзыв или жалоба записаны", True, False, False, True, 5),
    ("no_answer", "Нет ответа", False, False, True, False, 6),
    ("call_back", "Перезвонить позже", True, False, True, False, 7),
    ("abandoned", "Прерван", False, False, False, False, 8),
]


def forwards(apps, schema_editor):
    from orderdesk.roles import sync_role_groups

    sync_role_groups(apps)
    CallOutcome = apps.get_model("calls", "CallOutcome")
    for code, name, contact, sale, callback, complete, position in OUTCOMES:
        CallOutcome.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_made": contact,
                "is_sale": sale,
                "needs_callback": callback,
                "is_complete": complete,
                "position": position,
            },
        )


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
