"""AsyncAPI for the quick start's chat: a docs page mounted on the app, and the same from code."""

from __future__ import annotations

from chat_app import app

from chanx.asyncapi import generate, to_yaml, validate_document
from chanx.asyncapi.routes import asyncapi_router

# /asyncapi/ (HTML page, no JavaScript, works offline), /asyncapi/asyncapi.json and .yaml
app.mount("/asyncapi", asyncapi_router(title="Chat API", version="1.0.0"))


def spec_yaml() -> str:
    """The document as YAML, e.g. to commit it next to the code or hand it to client teams."""
    document = generate(app, title="Chat API", version="1.0.0", server_url="ws://127.0.0.1:8000")
    problems = validate_document(document.model_dump(mode="json", by_alias=True, exclude_none=True))
    if problems:
        raise ValueError("\n".join(problems))
    return to_yaml(document)
