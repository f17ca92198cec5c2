#!/usr/bin/env bash
# Docs (issue 7): follow the FastAPI quick start verbatim in a fresh venv (chanx from the local
# wheels in dist/, everything else from the index) and replay the page's client transcript.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh
tools_python scripts/check_quickstart.py
