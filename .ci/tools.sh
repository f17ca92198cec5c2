# Sourced by .ci/steps/*.sh: the tools .ci/run installed with the README's own commands (the
# .tools venv), called by their path so that nothing is added to PATH.
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin"
[ -x "$TOOLS/hatch" ] || { echo "no .tools/bin/hatch: run the README's commands (.ci/run) first"; exit 1; }
hatch() { "$TOOLS/hatch" "$@"; }
uv() { "$TOOLS/uv" "$@"; }  # hatch depends on uv, so the .tools venv has it
tools_python() { "$TOOLS/python" "$@"; }
