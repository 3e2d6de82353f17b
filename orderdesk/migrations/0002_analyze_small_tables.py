"""Tiny reference tables (price columns, client types, departments, outcomes) stay below
autovacuum's default 50-row trigger and are never analysed, so the planner guesses their
size and can pick nested loops over millions of order lines. Analyse them on any change."""

from django.db import migrations

TABLES = [
    "orders_pricecolumn",
    "clients_clienttype",
    "orderdesk_department",
    "calls_calloutcome",
    "orders_productcategory",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} SET "
            "(autovacuum_analyze_threshold = 1, autovacuum_analyze_scale_factor = 0)"
        )
        schema_editor.execute(f"ANALYZE {table}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} RESET "
            "(autovacuum_analyze_threshold, autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orderdesk", "0001_initial"),
        ("orders", "0003_sort_order_label"),
        ("clients", "0002_initial"),
        ("calls", "0004_sort_order_label"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
