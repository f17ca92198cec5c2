#!/usr/bin/env bash
# chanx-asyncapi alone (issue 5): a fresh venv with ONLY chanx-core and chanx-asyncapi (not
# editable, as a user installs them). No web framework may come along; the console script must
# run, document a consumer built on the core alone, and accept its own output.
# (The parser and Chromium checks run in the test suite; see packages/chanx-asyncapi/tests.)
set -euo pipefail
cd "$(dirname "$0")/../.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q packages/chanx-core packages/chanx-asyncapi
cli="$work/venv/bin/chanx-asyncapi"

"$cli" --help >/dev/null
"$work/venv/bin/python" - <<'PY'
import importlib.util

for name in ("starlette", "fastapi", "django", "channels", "fast_channels"):
    if importlib.util.find_spec(name) is not None:
        raise SystemExit(f"{name} is importable, but only chanx-core and chanx-asyncapi were installed")
print("chanx-asyncapi installs with chanx-core alone")
PY

cat >"$work/ci_app.py" <<'PY'
from typing import Literal

from chanx.core.consumer import ChanxConsumer
from chanx.core.decorators import channel, ws_handler
from chanx.messages.base import BaseMessage


class Hello(BaseMessage):
    action: Literal["hello"] = "hello"
    payload: str


@channel(name="greeter")
class Greeter(ChanxConsumer):
    @ws_handler
    async def handle_hello(self, message: Hello) -> Hello:
        return message


routes = [("/ws/{room}", Greeter.as_asgi())]
PY

"$cli" generate ci_app:routes --app-dir "$work" -o "$work/spec.yaml"
"$cli" validate "$work/spec.yaml"
# The docs page's template and stylesheet ship in the wheel.
"$work/venv/bin/python" - "$work/spec.yaml" <<'PY'
import sys

from chanx.asyncapi import load_file, render_html

page = render_html(load_file(sys.argv[1]))
assert "greeter.receive.hello" in page and "<style>" in page, "docs page incomplete"
print("docs page renders from the installed package")
PY
set +e
"$cli" generate ci_app:missing --app-dir "$work" 2>"$work/err"
status=$?
set -e
if [ "$status" -ne 2 ] || [ "$(wc -l <"$work/err")" -ne 1 ] || grep -q Traceback "$work/err"; then
  echo "expected a one-line error with exit code 2, got $status:"; cat "$work/err"; exit 1
fi
echo "chanx-asyncapi CLI works from a fresh venv"
