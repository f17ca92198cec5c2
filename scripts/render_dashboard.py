"""Render the Grafana dashboard's panels from a real run, as a PNG for the docs.

Run: ``hatch run python scripts/render_dashboard.py`` (needs ``/usr/bin/chromium``). There is
no Grafana here, so this does what Grafana and Prometheus would do, in small:

1. starts a real uvicorn server (``tests/e2e/telemetry_e2e_app.py``: chanx with both
   observers installed) and drives a scripted session against it over sockets for
   ``DURATION`` seconds: clients coming and going, every kind of frame, events, refused
   connections, slow-client drops and failed layer sends;
2. scrapes its ``/metrics`` every second, as Prometheus would;
3. evaluates each panel's PromQL expression of ``docs/_static/grafana/chanx-dashboard.json``
   over those scrapes (the handful of forms the dashboard uses: ``sum by``, ``rate``,
   ``histogram_quantile`` and one ratio; any other form is refused, so the picture is always
   of the committed dashboard);
4. draws the panels as SVG in an HTML page and screenshots it with headless Chromium.
"""

from __future__ import annotations

import asyncio
import html
import json
import math
import random
import re
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import async_playwright
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "docs" / "_static" / "grafana" / "chanx-dashboard.json"
OUTPUT = ROOT / "docs" / "_static" / "grafana" / "chanx-dashboard.png"
DURATION = 60.0
WINDOW = 5  # scrapes (seconds) per rate() window
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


# -- 1. a real server and a scripted session --------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def client(url: str, stop: float, rng: random.Random) -> None:
    """One user: a connection living a while, sending a mix of frames."""
    frames = [
        ({"action": "ping"}, 40),
        ({"action": "echo", "payload": "hello"}, 25),
        ({"action": "shout", "payload": "hi all"}, 6),
        ({"action": "limited"}, 6),
        ({"action": "boom"}, 2),
        ({"action": "nope"}, 2),
        ({"action": "slow"}, 1),
    ]
    population = [f for f, _ in frames]
    weights = [w for _, w in frames]
    async with connect(url) as ws:
        reader = asyncio.create_task(drain(ws))
        until = min(stop, time.monotonic() + rng.uniform(8, 40))
        while time.monotonic() < until:
            await ws.send(json.dumps(rng.choices(population, weights)[0]))
            await asyncio.sleep(rng.uniform(0.03, 0.25))
        reader.cancel()


async def drain(ws: ClientConnection) -> None:
    async for _ in ws:
        pass


async def session(base: str, ws_url: str) -> None:
    rng = random.Random(17)
    stop = time.monotonic() + DURATION
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient() as http:
        tick = 0
        while time.monotonic() < stop:
            wanted = 4 + int(8 * math.sin(math.pi * tick / (DURATION * 2)) ** 2)
            while len(tasks) < wanted:
                task = asyncio.create_task(client(ws_url, stop, rng))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tick % 4 == 0:
                await http.post(f"{base}/notify", params={"text": "news"})
            if tick % 10 == 5:
                await http.post(f"{base}/flood", params={"count": 6})
            if tick % 15 == 7:
                await http.post(f"{base}/direct", params={"channel": "nobody", "count": 4})
            if tick % 6 == 3:
                async with connect(f"{ws_url}?deny={rng.choice([401, 403])}") as denied:
                    await denied.wait_closed()
            tick += 1
            await asyncio.sleep(0.5)
        await asyncio.gather(*tasks, return_exceptions=True)


# -- 2. scraping ------------------------------------------------------------------------------
def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("chanx_"):
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def scrape(base: str, stop: float) -> list[Samples]:
    scrapes: list[Samples] = []
    async with httpx.AsyncClient() as http:
        while time.monotonic() < stop:
            scrapes.append(parse((await http.get(f"{base}/metrics")).text))
            await asyncio.sleep(1.0)
    return scrapes


# -- 3. the dashboard's expressions -----------------------------------------------------------
SEL = r"\{[^}]*\}"
RNG = r"\[[^\]]*\]"
SUM_RATE = re.compile(rf"sum(?: by \(([\w, ]+)\) )?\(rate\((\w+){SEL}{RNG}\)\)")
SUM_GAUGE = re.compile(rf"sum by \(([\w, ]+)\) \((\w+){SEL}\)")
QUANTILE = re.compile(
    rf"histogram_quantile\(([\d.]+), sum by \(le, (\w+)\) \(rate\((\w+){SEL}{RNG}\)\)\)"
)
Series = dict[tuple[tuple[str, str], ...], list[float | None]]


def grouped(
    samples: Samples, metric: str, by: list[str]
) -> dict[tuple[tuple[str, str], ...], float]:
    out: dict[tuple[tuple[str, str], ...], float] = defaultdict(float)
    for (name, labels), value in samples.items():
        if name == metric:
            d = dict(labels)
            out[tuple((k, d.get(k, "")) for k in by)] += value
    return out


def sum_rate(scrapes: list[Samples], metric: str, by: list[str]) -> Series:
    series: Series = defaultdict(lambda: [None] * len(scrapes))
    for i in range(WINDOW, len(scrapes)):
        now, then = grouped(scrapes[i], metric, by), grouped(scrapes[i - WINDOW], metric, by)
        for key, value in now.items():
            series[key][i] = max(0.0, value - then.get(key, 0.0)) / WINDOW
    return series


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """Prometheus' histogram_quantile over (le, cumulative rate) pairs."""
    buckets.sort()
    total = buckets[-1][1] if buckets else 0.0
    if total <= 0:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * (rank - below) / max(count - below, 1e-12)
        lower, below = le, count
    return lower


def evaluate(expr: str, scrapes: list[Samples]) -> Series:
    if " / " in expr:
        top, bottom = (evaluate(part, scrapes) for part in expr.split(" / "))
        a, b = top.get((), []), bottom.get((), [])
        return {(): [x / y if x is not None and y else None for x, y in zip(a, b, strict=True)]}
    if m := QUANTILE.fullmatch(expr):
        q, label, metric = float(m[1]), m[2], m[3]
        rates = sum_rate(scrapes, metric, ["le", label])
        series: Series = {}
        for i in range(len(scrapes)):
            per: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for key, values in rates.items():
                d = dict(key)
                if values[i] is not None:
                    per[d[label]].append((float(d["le"]), float(values[i] or 0.0)))
            for value, buckets in per.items():
                series.setdefault(((label, value),), [None] * len(scrapes))[i] = quantile(
                    q, buckets
                )
        return series
    if m := SUM_RATE.fullmatch(expr):
        by = [x.strip() for x in m[1].split(",")] if m[1] else []
        return dict(sum_rate(scrapes, m[2], by))
    if m := SUM_GAUGE.fullmatch(expr):
        by = [x.strip() for x in m[1].split(",")]
        series = defaultdict(lambda: [None] * len(scrapes))
        for i, samples in enumerate(scrapes):
            for key, level in grouped(samples, m[2], by).items():
                series[key][i] = level
        return dict(series)
    raise ValueError(f"the renderer does not evaluate this expression: {expr}")


# -- 4. drawing -------------------------------------------------------------------------------
COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#ff780a"]


def legend(fmt: str, key: tuple[tuple[str, str], ...]) -> str:
    labels = dict(key)
    return re.sub(r"\{\{(\w+)\}\}", lambda m: labels.get(m[1], ""), fmt).strip() or "value"


def fmt_value(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"
    suffix = " /s" if unit == "reqps" else ""
    return f"{value:.1f}{suffix}" if value < 10 else f"{value:.0f}{suffix}"


def svg_panel(series: Series, legend_fmt: str, unit: str, width: int, height: int) -> str:
    pad_l, pad_b, pad_t = 56, 18, 6
    top = max((v for vs in series.values() for v in vs if v is not None), default=0.0)
    top = top * 1.15 or 1.0
    n = max((len(v) for v in series.values()), default=2)
    w, h = width - pad_l - 8, height - pad_b - pad_t
    parts = [f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i in range(5):
        y = pad_t + h - h * i / 4
        parts.append(
            f'<line x1="{pad_l}" x2="{pad_l + w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{pad_l - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{html.escape(fmt_value(top * i / 4, unit))}</text>"
        )
    for i in range(0, n, 10):
        x = pad_l + w * i / max(n - 1, 1)
        parts.append(
            f'<text x="{x:.1f}" y="{height - 4}" class="axis" text-anchor="middle">{i}s</text>'
        )
    for index, (_, values) in enumerate(sorted(series.items())):
        color = COLORS[index % len(COLORS)]
        points: list[str] = []
        runs: list[list[str]] = [points]
        for i, v in enumerate(values):
            if v is None:
                if points:
                    points = []
                    runs.append(points)
                continue
            points.append(f"{pad_l + w * i / max(n - 1, 1):.1f},{pad_t + h - h * v / top:.1f}")
        for run in runs:
            if run:
                parts.append(f'<polyline points="{" ".join(run)}" stroke="{color}" class="line"/>')
    parts.append("</svg>")
    items = "".join(
        f'<span><i style="background:{COLORS[i % len(COLORS)]}"></i>'
        f"{html.escape(legend(legend_fmt, k))}</span>"
        for i, k in enumerate(sorted(series))
    )
    return "".join(parts) + f'<div class="legend">{items}</div>'


def page(dashboard: dict[str, Any], scrapes: list[Samples]) -> str:
    panels = []
    for panel in dashboard["panels"]:
        target = panel["targets"][0]
        series = evaluate(target["expr"], scrapes)
        unit = panel["fieldConfig"]["defaults"].get("unit", "short")
        body = svg_panel(series, target["legendFormat"], unit, 560, 190)
        panels.append(f'<div class="panel"><h3>{html.escape(panel["title"])}</h3>{body}</div>')
    caption = (
        f"Rendered from {len(scrapes)} scrapes (one per second) of a real chanx server under a "
        f"scripted {DURATION:.0f} s session; each panel evaluates the dashboard's own PromQL "
        f"(rate windows of {WINDOW} s). Made by scripts/render_dashboard.py."
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body {{ background:#111217; color:#ccccdc; font:13px Inter,Helvetica,Arial,sans-serif;
       margin:0; padding:14px; width:1180px; }}
h1 {{ font-size:17px; font-weight:500; margin:2px 4px 12px; }}
h1 small {{ color:#8e8e9e; font-size:12px; margin-left:10px; }}
.grid-wrap {{ display:grid; grid-template-columns:1fr 1fr; gap:10px; }}
.panel {{ background:#181b1f; border:1px solid #2c3235; border-radius:3px; padding:8px 10px 6px; }}
h3 {{ font-size:13px; font-weight:500; margin:0 0 4px; }}
.grid {{ stroke:#2c3235; stroke-width:1; }}
.axis {{ fill:#8e8e9e; font-size:10px; }}
.line {{ fill:none; stroke-width:1.6; }}
.legend {{ font-size:11px; color:#ccccdc; display:flex; flex-wrap:wrap; gap:4px 12px;
           min-height:14px; }}
.legend i {{ display:inline-block; width:12px; height:3px; margin-right:5px;
             vertical-align:middle; }}
p {{ color:#8e8e9e; font-size:11px; margin:10px 4px 0; }}
</style></head><body>
<h1>{html.escape(dashboard["title"])}<small>consumer: All · last {DURATION:.0f} s</small></h1>
<div class="grid-wrap">{"".join(panels)}</div><p>{html.escape(caption)}</p></body></html>"""


async def main() -> None:
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 (started once, before the event loop matters)
        [sys.executable, "-m", "uvicorn", "telemetry_e2e_app:app", "--app-dir",
         str(ROOT / "tests" / "e2e"), "--port", str(port), "--log-level", "error"],
        cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                await asyncio.sleep(0.1)
        base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws"
        stop = time.monotonic() + DURATION + 2
        scrapes, _ = await asyncio.gather(scrape(base, stop), session(base, ws_url))
    finally:
        server.terminate()
        server.wait(10)
    dashboard = json.loads(DASHBOARD.read_text())
    document = page(dashboard, scrapes)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        tab = await browser.new_page(viewport={"width": 1208, "height": 900})
        await tab.set_content(document)
        await tab.screenshot(path=str(OUTPUT), full_page=True)
        await browser.close()
    print(f"wrote {OUTPUT} from {len(scrapes)} scrapes")


if __name__ == "__main__":
    asyncio.run(main())
