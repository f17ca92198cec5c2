"""Settings in the shape of a chanx 2.x project (``COMPAT_DB`` names the SQLite file)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "compat-project-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "chanx.channels",
    "compat_rooms",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "compat_django.urls"
ASGI_APPLICATION = "compat_django.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("COMPAT_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

if os.environ.get("COMPAT_REDIS_URL"):  # several processes (the announce command) share it
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [os.environ["COMPAT_REDIS_URL"]],
                "prefix": os.environ.get("COMPAT_LAYER_PREFIX", "compat"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# The keys chanx 2.x documents, in its documented spelling.
CHANX = {
    "MESSAGE_ACTION_KEY": "action",
    "SEND_COMPLETION": True,
    "SEND_MESSAGE_IMMEDIATELY": True,
    "SEND_AUTHENTICATION_MESSAGE": True,
    "CAMELIZE": False,
    "LOG_WEBSOCKET_MESSAGE": True,
    "LOG_IGNORED_ACTIONS": ["ping", "pong"],
    "WEBSOCKET_BASE_URL": "ws://localhost:8000",
    "ASYNCAPI_TITLE": "Rooms API",
    "ASYNCAPI_DESCRIPTION": "Chat rooms for members",
    "ASYNCAPI_VERSION": "2.0.0",
}
