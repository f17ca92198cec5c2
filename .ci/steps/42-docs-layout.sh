#!/usr/bin/env bash
# Docs layout (issue 16): every built page (from 40-docs.sh) measured in headless Chromium at
# 1280 and 390 px: no code block, table or page may scroll sideways.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh
[ -f docs/_build/html/index.html ] || hatch run docs:build
hatch run python scripts/check_docs_layout.py docs/_build/html
