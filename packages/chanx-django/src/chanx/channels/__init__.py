"""chanx for Django Channels: typed JSON consumers, DRF authentication, ``CHANX`` settings.

Import the consumer from :mod:`chanx.channels.websocket` and the authenticator from
:mod:`chanx.channels.authenticator`; this package module only carries the version, so that
importing it never needs configured Django settings.
"""

from chanx.channels.__about__ import __version__

__all__ = ["__version__"]
