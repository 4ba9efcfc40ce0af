from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Moderators' accounts and decisions. Code only: the models it works on live in signatures."""

    name = "moderation"
    verbose_name = _("Moderation")
