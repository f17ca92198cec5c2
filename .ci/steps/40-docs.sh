#!/usr/bin/env bash
# Docs (issue 7): API pages up to date, Sphinx build with every warning an error (nitpicky),
# and every name of every public __all__ present in the built reference.
# The doc examples' tests (tests/docs) run with the main test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh

hatch run docs:mypy --strict docs/conf.py docs/gen_api.py
hatch run docs:python docs/gen_api.py --check
# The test suite (README command 2, run just before) built the site into docs/_build/html with
# docs:build's flags (tests/docs/test_docs_reference.py); build it only when that did not happen.
[ -f docs/_build/html/objects.inv ] || hatch run docs:build
hatch run docs:python docs/gen_api.py --inventory docs/_build/html/objects.inv
