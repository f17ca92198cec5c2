"""Talk to the chat from a script: send a ping and a chat line, print what comes back.

Usage: ``python client.py [ws://127.0.0.1:8000/ws/chat/]``. A script has no page, so it sends
the Origin header a browser would send for a page of this site; without one, Channels'
``AllowedHostsOriginValidator`` refuses the connection with HTTP 403.
"""

import asyncio
import json
import sys
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.typing import Origin


async def main(url: str) -> None:
    origin = Origin("http://" + urlsplit(url).netloc)  # the site's own origin
    async with connect(url, origin=origin) as ws:
        for frame in ({"action": "ping"}, {"action": "chat", "payload": {"message": "hello"}}):
            await ws.send(json.dumps(frame))
            print("<", await ws.recv())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8000/ws/chat/"))
