#!/usr/bin/env bash
# The README's first command (issue 3): `hatch run demo:serve` must serve the demo chat.
# Starts it on a free port, waits for the health endpoint, does one WebSocket ping through the
# demo env's own Python, then stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hatch >/dev/null || { echo "hatch not on PATH (run through .ci/run)"; exit 1; }

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
# Own process group (setsid): hatch runs the server as a child, and both must go at the end.
PORT="$port" setsid hatch run demo:serve >"$log" 2>&1 &
server=$!
trap 'kill -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 600); do  # env creation on a fresh clone can take a while
  if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/api/health', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "demo:serve exited"; exit 1; fi
  sleep 0.2
done

hatch run demo:python - "$port" <<'PY'
import asyncio, json, sys
from websockets.asyncio.client import connect

async def main(port: str) -> None:
    async with connect(f"ws://127.0.0.1:{port}/ws/chat/ci?token=alice-token") as ws:
        await ws.send(json.dumps({"action": "ping"}))
        async with asyncio.timeout(10):
            while (frame := json.loads(await ws.recv()))["action"] != "pong":
                pass
    print(f"demo:serve answered a ping on port {port}")

asyncio.run(main(sys.argv[1]))
PY
