"""The quick start's chat with traces and metrics. Run it with ``uvicorn observability_app:app``.

Spans go to the exporter given to :func:`instrument` (here the console; in production the
exporter of your tracing backend), metrics are served on ``GET /metrics``.
"""

from __future__ import annotations

import os

from chat_app import app as chat
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from chanx.core.otel import TracingObserver
from chanx.core.prometheus import MetricsObserver, with_metrics
from chanx.core.telemetry import install


def instrument(exporter: SpanExporter) -> tuple[TracerProvider, MetricsObserver]:
    """Trace every chanx consumer of this process into ``exporter`` and count its metrics.

    Call it once per process, at start-up.
    """
    provider = TracerProvider(resource=Resource.create({"service.name": "chat"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    metrics = MetricsObserver()  # in prometheus_client's default registry
    install(TracingObserver(provider), metrics)
    return provider, metrics


if os.environ.get("CHAT_TELEMETRY", "1") == "1":  # the docs' tests instrument it themselves
    instrument(ConsoleSpanExporter())

# The chat's routes, and GET /metrics for Prometheus to scrape.
app = with_metrics(chat)
