#!/usr/bin/env bash
# Packaging check (issue 8): build every wheel and sdist, inspect them, then install each
# distribution alone in a fresh venv (siblings from dist/, the rest from the index), import
# its public API and assert that unrelated frameworks stayed out.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh
hatch run release:check
