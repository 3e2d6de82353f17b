"""The Celery app: ``celery -A orderdesk worker`` (``make worker``).

Configured from Django settings with the ``CELERY_`` prefix. Without a broker URL the
settings make every task run in process (``CELERY_TASK_ALWAYS_EAGER``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk.settings")

app = Celery("orderdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
