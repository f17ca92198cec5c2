#!/usr/bin/env bash
# The README's first command (given as $1, verbatim) must serve the demo chat: run it on a free
# port (the demo reads PORT), wait for the health endpoint and the demo's own AsyncAPI page, do
# one WebSocket ping through the demo env's Python, then stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
serve_cmd="$1"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
# Own process group (setsid): hatch runs the server as a child, and both must go at the end.
PORT="$port" setsid bash -c "$serve_cmd" >"$log" 2>&1 &
server=$!
trap 'kill -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

get() { python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null; }
for _ in $(seq 1500); do  # the first run creates the tools venv and the demo env
  get "http://127.0.0.1:$port/api/health" && break
  if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "the README's command 1 exited"; exit 1; fi
  sleep 0.2
done
get "http://127.0.0.1:$port/api/health" || { cat "$log"; echo "the demo never answered"; exit 1; }
get "http://127.0.0.1:$port/asyncapi" || { echo "the demo's AsyncAPI page is missing"; exit 1; }

.tools/bin/hatch run demo:python - "$port" <<'PY'
import asyncio, json, sys
from websockets.asyncio.client import connect

async def main(port: str) -> None:
    async with connect(f"ws://127.0.0.1:{port}/ws/chat/ci?token=alice-token") as ws:
        await ws.send(json.dumps({"action": "ping"}))
        async with asyncio.timeout(10):
            while (frame := json.loads(await ws.recv()))["action"] != "pong":
                pass
    print(f"the README's command 1 served the demo; it answered a ping on port {port}")

asyncio.run(main(sys.argv[1]))
PY
