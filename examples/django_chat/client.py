"""Talk to the example from a script: ``python client.py TOKEN [ROOM_ID]``.

Sends the token the way DRF reads it (``Authorization: Token ...``) and the site's own Origin
header (``AllowedHostsOriginValidator`` refuses a WebSocket without one, HTTP 403), reads the
``authentication`` frame the server sends first, says hello in the room and prints the answer.
``CHAT_URL`` changes the server (default ``http://127.0.0.1:8000``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from websockets.asyncio.client import connect
from websockets.typing import Origin


async def main(token: str, room: str) -> None:
    site = os.environ.get("CHAT_URL", "http://127.0.0.1:8000").rstrip("/")
    url = site.replace("http", "ws", 1) + f"/ws/rooms/{room}/"
    headers = {"Authorization": f"Token {token}"}
    async with connect(url, origin=Origin(site), additional_headers=headers) as ws:
        auth = json.loads(await ws.recv())
        if auth["payload"]["status_code"] != 200:
            sys.exit(f"refused: {auth['payload']}")
        await ws.send(json.dumps({"action": "chat", "payload": {"message": "hello"}}))
        print("<", await ws.recv())


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "1"))
