from django.apps import AppConfig


class InstallConfig(AppConfig):
    """HighLevel's install (OAuth authorization code), its webhooks, and provisioning new locations.

    Builds on agents (locations, agency connections, importing, rollouts); agents never imports it.
    """

    name = "install"
    verbose_name = "HighLevel install and webhooks"
