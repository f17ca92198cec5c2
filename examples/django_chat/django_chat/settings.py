"""Settings of the django_chat example.

Environment variables make it usable by tests and real servers alike:
``CHAT_DB`` (SQLite file), ``CHAT_REDIS_URL`` + ``CHAT_LAYER_PREFIX`` (use channels_redis
instead of chanx's in-memory layer, required for several processes), ``CHAT_SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("CHAT_SECRET_KEY", "django-chat-example-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "daphne",  # first: its runserver replaces Django's and serves WebSockets too
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "channels",
    "chanx.channels",
    "django_chat.chat",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "django_chat.urls"
ASGI_APPLICATION = "django_chat.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("CHAT_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

_REDIS_URL = os.environ.get("CHAT_REDIS_URL")
if _REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py caps a pool at 100 connections unless told otherwise
                "hosts": [{"address": _REDIS_URL, "max_connections": 500}],
                "prefix": os.environ.get("CHAT_LAYER_PREFIX", "django_chat"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "chanx.core.layers.InMemoryChannelLayer"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "django_chat.chat.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

#: Tokens older than this are refused (seconds).
CHAT_TOKEN_LIFETIME = int(os.environ.get("CHAT_TOKEN_LIFETIME", "3600"))

CHANX = {
    "LOG_IGNORED_ACTIONS": ["ping", "pong"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"chanx": {"handlers": ["console"], "level": "INFO"}},
}
