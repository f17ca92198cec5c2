#!/usr/bin/env bash
# Docs (issue 7): API pages up to date, Sphinx build with every warning an error (nitpicky),
# and every name of every public __all__ present in the built reference.
# The doc examples' tests (tests/docs) run with the main test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh

# Python's own objects.inv, read offline, so standard-library names link to docs.python.org.
if [ ! -f /usr/share/doc/python3-doc/html/objects.inv ] && command -v apt-get >/dev/null; then
  { apt-get install -y -q python3-doc || { apt-get update -q && apt-get install -y -q python3-doc; }; } \
    >/dev/null 2>&1 || echo "python3-doc unavailable: standard-library names will not be linked"
fi

hatch run docs:mypy --strict docs/conf.py docs/gen_api.py
hatch run docs:python docs/gen_api.py --check
hatch run docs:build
hatch run docs:python docs/gen_api.py --inventory docs/_build/html/objects.inv
