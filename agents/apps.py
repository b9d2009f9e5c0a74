from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_schedules(sender, **kwargs):
    from agents.schedules import ensure_schedules

    ensure_schedules()


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Conversation AI"

    def ready(self):
        # Configuration, not business logic: the periodic sync follows SYNC_INTERVAL_MINUTES.
        post_migrate.connect(_ensure_schedules, sender=self)
