"""Serve the demo chat app (``hatch run demo:serve``): http://127.0.0.1:8000.

Environment: ``PORT`` (default 8000), ``HOST`` (default 127.0.0.1), ``REDIS_URL`` (use Redis
instead of the in-memory channel layer), ``CHANX_LAYER_PREFIX`` (Redis key prefix).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn


def main(argv: list[str] | None = None) -> int:
    """Parse options and run uvicorn until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    # chanx's own records on the console: refused tokens (chanx.auth), floods closed by the
    # rate limit, handler failures with their traceback (see docs/guide/logging.rst).
    logging.basicConfig(format="%(levelname)s:     %(name)s: %(message)s")
    logging.getLogger("chanx").setLevel(logging.INFO)
    layer = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    print(f"chanx demo on http://{args.host}:{args.port} ({layer} channel layer)", flush=True)
    uvicorn.run("demo.app:app", host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
