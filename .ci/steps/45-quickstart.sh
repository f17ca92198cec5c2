#!/usr/bin/env bash
# Docs as a newcomer reads them (issues 7, 16): each install line of getting-started.rst in a
# fresh venv from this clone, the FastAPI quick start verbatim (server plus the page's client
# transcript), and the testing page's set-up and tests in that venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh
tools_python scripts/check_quickstart.py
