# chanx: daphne first (its runserver then serves WebSockets too), Channels, and the chat app
INSTALLED_APPS = ["daphne", *INSTALLED_APPS, "channels", "chat"]
ASGI_APPLICATION = "mysite.asgi.application"
# One server process: an in-memory channel layer (see the Scaling guide for Redis)
CHANNEL_LAYERS = {"default": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"}}
