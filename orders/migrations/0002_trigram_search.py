"""Trigram indexes for product search as you type (PostgreSQL only; SQLite uses LIKE)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS orders_product_name_trgm "
    "ON orders_product USING gin (upper(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS orders_product_sku_trgm "
    "ON orders_product USING gin (upper(sku) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS clients_client_name_trgm "
    "ON clients_client USING gin (upper(name) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS orders_product_name_trgm",
    "DROP INDEX IF EXISTS orders_product_sku_trgm",
    "DROP INDEX IF EXISTS clients_client_name_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial"), ("clients", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
