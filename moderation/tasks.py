"""Celery tasks of the organizers' tools: thin wrappers that call a service."""

from celery import shared_task

from signatures.services.launch import letters_publish_due


@shared_task(ignore_result=True)
def publish_scheduled_letters() -> int:
    """Beat task, every minute: make live the collecting letters whose go-live time has come
    (`publish_scheduled` does the same where no beat runs). Returns how many went live."""
    return len(letters_publish_due())
