"""Frame counts and handler durations of :mod:`chanx.core.prometheus`, built at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

__all__ = ["DURATION_BUCKETS", "ByClass", "FrameCollector", "FrameStats"]

#: Handler durations: 100 µs to 10 s.
DURATION_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 10.0)


class FrameStats:
    """Counts of one (consumer class, action): plain numbers, added to once per frame."""

    __slots__ = ("buckets", "consumer", "ok", "outcomes", "total")

    def __init__(self, consumer: str) -> None:
        #: The consumer class's qualified name (the ``consumer`` label).
        self.consumer = consumer
        self.ok = 0
        self.outcomes: dict[str, int] = {}
        self.buckets = [0] * (len(DURATION_BUCKETS) + 1)  # the last one is +Inf
        self.total = 0.0


class ByClass(dict[type, dict[str, FrameStats]]):
    """Frame stats by consumer class; a class seen for the first time gets an empty table."""

    def __missing__(self, cls: type) -> dict[str, FrameStats]:
        actions: dict[str, FrameStats] = {}
        self[cls] = actions
        return actions


class FrameCollector(Collector):
    """``chanx_frames_total`` and ``chanx_handler_duration_seconds``, built at scrape time.

    The per-frame path only adds to plain numbers (no lock, no labels lookup): prometheus_client's
    own counter and histogram take a lock per increment, a cost comparable to chanx's frame.
    Frames are handled in the event loop's thread, so these numbers have one writer.
    """

    def __init__(self) -> None:
        #: consumer class -> action -> its stats. Two plain lookups per frame are cheaper
        #: than one keyed by a (class, action) tuple, which is built and hashed every time.
        self.stats: ByClass = ByClass()

    def get(self, cls: type, action: str) -> FrameStats:
        actions = self.stats[cls]
        stats = actions.get(action)
        if stats is None:
            stats = actions[action] = FrameStats(cls.__qualname__)
        return stats

    def collect(self) -> Iterator[Metric]:
        labels = ["consumer", "action"]
        frames = CounterMetricFamily("chanx_frames", "Client frames", labels=[*labels, "outcome"])
        durations = HistogramMetricFamily(
            "chanx_handler_duration_seconds", "Frame handler run time", labels=labels
        )
        bounds = [*map(floatToGoString, DURATION_BUCKETS), "+Inf"]
        # copies: a scrape may run in another thread while the event loop adds a class or action
        every = [
            (a, stats)
            for actions in list(self.stats.values())
            for a, stats in list(actions.items())
        ]
        for action, stats in every:
            name = stats.consumer
            if stats.ok:
                frames.add_metric([name, action, "ok"], stats.ok)
            for outcome, count in list(stats.outcomes.items()):
                frames.add_metric([name, action, outcome], count)
            if any(stats.buckets):
                cumulative, running = [], 0
                for bound, count in zip(bounds, stats.buckets, strict=True):
                    running += count
                    cumulative.append((bound, float(running)))
                durations.add_metric([name, action], cumulative, sum_value=stats.total)
        yield frames
        yield durations
