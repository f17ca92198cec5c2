#!/usr/bin/env bash
# chanx-client (issue 15): the checked-in generated clients equal a fresh generation (a stale
# client fails here), and the TypeScript ones compile with tsc --strict. The npm packages
# (typescript, ws and their types) are pinned in packages/chanx-client/tests/node.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh

tests=packages/chanx-client/tests
(cd "$tests/node" && npm ci --no-audit --no-fund >/dev/null)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
check() {  # check SCHEMA FOLDER LANGUAGE
  hatch run python -m chanx.client_generator generate-client --no-format \
    --app-dir "$tests" -s "$1" -o "$work/$2" -l "$3" >/dev/null
  if ! diff -r --exclude=__pycache__ "$work/$2" "$tests/$2"; then
    echo "$tests/$2 is stale: regenerate it (see $tests/test_client_generated_fresh.py)"
    exit 1
  fi
}
check client_app:app room_client python
check client_app:app ts_client typescript
check client_topic_app:app topic_client python
check client_topic_app:app ts_topic_client typescript
"$tests/node/node_modules/.bin/tsc" -p "$tests/node/tsconfig.json" --noEmit

# The demo page's script: the generated client of the demo app, compiled with the page by tsc.
hatch run python -m chanx.client_generator generate-client --no-format --app-dir . \
  -s demo.app:app -o "$work/demo_client" -l typescript >/dev/null
diff -r "$work/demo_client" demo/web/client || { echo "demo/web/client is stale"; exit 1; }
"$tests/node/node_modules/.bin/tsc" -p demo/web/tsconfig.json --outDir "$work/demo_js"
diff -r "$work/demo_js" demo/static/js || { echo "demo/static/js is stale: tsc -p demo/web/tsconfig.json"; exit 1; }
echo "generated clients are fresh and compile with tsc --strict"
