// Using a generated TypeScript client (the Clients guide includes this file; tsc --strict
// compiles it with the generated client in chanx-client's test suite).
import { RoomClient, UnauthenticatedError, type RoomIncoming } from "../../packages/chanx-client/tests/ts_client/index.js";

export async function chat(baseUrl: string): Promise<number> {
  const client = new RoomClient({
    baseUrl,
    pathParams: { room: "lobby" },
    query: { token: "secret" },
    reconnect: { initialMs: 500, maxDelayMs: 30_000, maxRetries: 10 },
    // In Node 20, pass the ws package: webSocket: (url, headers) => new WebSocket(url, { headers })
  });
  await client.connect();

  client.on("said", (message) => console.log("said", message.payload)); // typed SaidMessage
  const reply = await client.echo({ seq: 1, text: "hello" }); // Promise<EchoReply>
  client.say("hi all");

  for await (const message of client.messages()) {
    const incoming: RoomIncoming = message;
    if (incoming.action === "announcement") break; // narrowed by the discriminator
  }
  client.finished.catch((error: unknown) => {
    if (error instanceof UnauthenticatedError) console.error("bad token", error.code);
  });
  client.disconnect();
  return reply.payload.seq;
}
