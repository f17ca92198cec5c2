#!/usr/bin/env bash
# Docs (issue 7): follow the FastAPI quick start verbatim in a fresh venv (chanx from the local
# wheels in dist/, everything else from the index) and replay the page's client transcript.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v uv >/dev/null || python3 -m pip install -q "uv>=0.5"
python3 scripts/check_quickstart.py
