#!/usr/bin/env bash
# Lowest-versions job (issue 8): install the packages with the LOWEST versions their direct
# dependencies allow (uv --resolution lowest-direct), check that each declared floor is what
# got installed, then run the core and binding test suites against those versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
uv venv -q --python "$(command -v python3)" "$work/venv"
py="$work/venv/bin/python"

# 1. The packages (editable) with every direct dependency at its floor, all extras on.
uv pip install -q --python "$py" --resolution lowest-direct \
  -e "packages/chanx-core[otel,prometheus,redis]" \
  -e "packages/chanx-asgi[redis,asyncapi]" \
  -e "packages/chanx-django[drf,redis,asyncapi]" \
  -e packages/chanx-asyncapi \
  -e "packages/chanx-mixins[redis]" \
  -e "packages/chanx-client[cli]"
tools_python scripts/check_packages.py floors --python "$py"

# 2. Test tools (those of the hatch-test env), constrained so they cannot lift any floor. Only
#    the direct dependencies are pinned: the tools may move a transitive one so that their own
#    requirements hold (daphne's pyOpenSSL caps cryptography; pinned at the newest release
#    step 1 picked, it left only a pyOpenSSL too old to import with it).
tools_python scripts/check_packages.py floors --python "$py" | awk '{print tolower($1)}' \
  > "$work/direct.txt"
uv pip freeze --python "$py" | grep -v '^-e' \
  | awk -F'==' 'NR == FNR { direct[$1] = 1; next } tolower($1) in direct' "$work/direct.txt" - \
  > "$work/constraints.txt"
[ "$(wc -l < "$work/constraints.txt")" -eq "$(wc -l < "$work/direct.txt")" ] \
  || { echo "lowest: not every direct dependency is in the freeze"; exit 1; }
python3 - > "$work/tools.txt" <<'PY'
import tomllib
cfg = tomllib.load(open("pyproject.toml", "rb"))["tool"]["hatch"]["envs"]["hatch-test"]
skip = ("playwright", "sphinx", "furo", "myst-parser")  # for suites not run here
tools = [d for d in cfg["extra-dependencies"] if not d.startswith(skip)]
print("\n".join(["pytest>=8.3", *tools]))
PY
uv pip install -q --python "$py" -r "$work/tools.txt" -c "$work/constraints.txt"
tools_python scripts/check_packages.py floors --python "$py" >/dev/null

# 3. Core and binding tests with the shared contract suite, then (in their own process) the
#    asyncapi and mixins suites, which cover the pyyaml, click and redis floors.
run_suites() {
  local paths=()
  for p in "$@"; do [ -d "$p" ] && paths+=("$p"); done
  [ ${#paths[@]} -gt 0 ] || return 0
  echo "running ${paths[*]} on the lowest versions"
  "$py" -m pytest -q -p no:cacheprovider --no-cov ${PYTEST_EXTRA:-} "${paths[@]}"
}
run_suites packages/chanx-core/tests packages/chanx-asgi/tests packages/chanx-django/tests \
  tests/contract
# At these versions a socket is left for the garbage collector somewhere in the asyncapi suite
# (a ResourceWarning, not a wrong result; the strict main run has none), so here only that
# warning is not an error.
PYTEST_EXTRA="-W ignore::ResourceWarning -W ignore::pytest.PytestUnraisableExceptionWarning" \
  run_suites packages/chanx-asyncapi/tests packages/chanx-mixins/tests
