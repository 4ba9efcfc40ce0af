from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "signatures"
    verbose_name = "Signatures"

    def ready(self):
        # Register the Celery tasks in every process, so the outbox can hand rows to them by
        # name (services/outbox.py) without importing tasks.py, which imports the services.
        from . import checks, tasks  # noqa: F401
