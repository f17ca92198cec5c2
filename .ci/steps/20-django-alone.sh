#!/usr/bin/env bash
# chanx-django without the ASGI side (issue 4): a fresh venv with ONLY chanx-core and
# chanx-django (editable, with its own drf and redis extras) plus the pytest tools; FastAPI and
# fast-channels must not be importable, and the Django package tests must pass there.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/tools.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
uv venv -q --python "$(command -v python3)" "$work/venv"
py="$work/venv/bin/python"

uv pip install -q --python "$py" \
  -e packages/chanx-core \
  -e "packages/chanx-django[drf,redis]" \
  "pytest>=8.3" "pytest-asyncio>=1.0" "pytest-timeout>=2.3" "pytest-cov>=6.0" \
  "daphne>=4.1"  # the example project lists daphne in INSTALLED_APPS (its runserver)

"$py" - <<'PY'
import importlib.util

for name in ("fast_channels", "fastapi", "chanx.fast_channels", "chanx.asyncapi", "chanx.mixins"):
    if importlib.util.find_spec(name) is not None:
        raise SystemExit(f"{name} is importable, but only chanx-core and chanx-django were installed")
import chanx.channels.authenticator, chanx.channels.testing, chanx.channels.websocket  # noqa: E401
print("chanx-django imports alone; fastapi and fast_channels are absent")
try:  # the AsyncAPI views need the asyncapi extra, and say so
    import chanx.channels.views  # noqa: F401
except ModuleNotFoundError as exc:
    assert "pip install 'chanx-django[asyncapi]'" in str(exc), exc
else:
    raise SystemExit("chanx.channels.views imported without chanx-asyncapi")
PY

"$py" -m pytest -q -p no:cacheprovider --no-cov packages/chanx-django/tests
