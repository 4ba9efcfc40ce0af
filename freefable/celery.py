"""The Celery app. Its configuration is read from Django settings (the CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freefable.settings")

app = Celery("freefable")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
