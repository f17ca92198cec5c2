"""The ``"chanx.channels"`` Django app: list it in ``INSTALLED_APPS`` to check ``CHANX`` early.

Without it the setting is validated the first time a consumer class is used. The app also
carries chanx-django's management commands and templates.
"""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["ChanxChannelsConfig"]


class ChanxChannelsConfig(AppConfig):
    """Validates the ``CHANX`` setting when Django starts (``ImproperlyConfigured`` if wrong)."""

    name = "chanx.channels"
    label = "chanx_channels"  # "channels" is Channels' own label
    verbose_name = "chanx (Django Channels)"

    def ready(self) -> None:
        """Fail fast on unknown keys or wrong types in ``CHANX``."""
        from chanx.channels.settings import get_chanx_settings

        get_chanx_settings()
