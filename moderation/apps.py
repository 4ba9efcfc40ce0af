from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Moderators' accounts and decisions. Code only: the models it works on live in signatures."""

    name = "moderation"
    verbose_name = "Moderation"
