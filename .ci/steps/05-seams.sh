#!/usr/bin/env bash
# Public seams (issue 12): no package imports another package's _private modules, reads the
# core consumer's _chanx* state or looks packages up in sys.modules.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/check_seams.py
