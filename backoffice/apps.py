from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self):
        from backoffice import lookups  # noqa: F401 - registers IntegerFieldIn
