// Drives the generated TypeScript client of the django_chat example against daphne; run by
// test_client_django_e2e.py (copied next to the generated client and compiled there).
// Usage: node driver.js '<json config>'. Prints one JSON result line.
import WebSocket from "ws";
import {
  ForbiddenError,
  PrivateRoomClient,
  RoomChatClient,
  UnauthenticatedError,
  type ChatNotificationMessage,
  type ClientOptions,
  type UserJoinedMessage,
  type WebSocketLike,
} from "./client/index.js";

interface Config {
  ws: string;
  http: string;
  tokens: Record<string, string>;
  rooms: Record<string, number>;
}

const config = JSON.parse(process.argv[2] ?? "{}") as Config;

// Node 20 has no stable global WebSocket: the ws package provides one (with headers).
const nodeSocket = (url: string, headers: Record<string, string>): WebSocketLike =>
  new WebSocket(url, { headers }) as unknown as WebSocketLike;

function options(token: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    baseUrl: config.ws,
    headers: { Authorization: `Token ${token}`, Origin: config.http },
    reconnect: { initialMs: 20, maxDelayMs: 200, maxRetries: null },
    webSocket: nodeSocket,
    heartbeatIntervalMs: null,
    ...extra,
  };
}

function waitFor<T>(register: (resolve: (value: T) => void) => void, ms = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out")), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** A client's own chat line comes back once its consumer joined the room group. */
async function inRoom<C extends PrivateRoomClient | RoomChatClient>(client: C, marker: string): Promise<void> {
  const back = waitFor<void>((done) => {
    const heard = (m: ChatNotificationMessage) => m.payload.message === marker && done();
    // one branch per class: TypeScript cannot call `on` on the union of the two clients
    if (client instanceof PrivateRoomClient) client.on("chat_notification", heard);
    else client.on("chat_notification", heard);
  });
  client.chat({ message: marker });
  await back;
}

async function authFailure(token: string): Promise<unknown> {
  const client = new PrivateRoomClient(options(token, { pathParams: { room_id: config.rooms.secret ?? 0 } }));
  await client.connect().catch(() => undefined);
  try {
    await client.finished;
    return { error: "none" };
  } catch (error) {
    const kind =
      error instanceof UnauthenticatedError ? "unauthenticated" : error instanceof ForbiddenError ? "forbidden" : String(error);
    return { error: kind, code: (error as { code?: number }).code, connections: client.connections };
  }
}

async function main(): Promise<unknown> {
  const secret = config.rooms.secret ?? 0;
  const alice = new PrivateRoomClient(options(config.tokens.alice ?? "", { pathParams: { room_id: secret } }));
  const bob = new RoomChatClient(options(config.tokens.bob ?? "", { pathParams: { pk: secret } }));
  await Promise.all([alice.connect(), bob.connect()]);
  const pong = await alice.ping();
  const members = await alice.members();
  await inRoom(alice, "sync-a");
  await inRoom(bob, "sync-b");
  const heard = waitFor<ChatNotificationMessage>((done) =>
    bob.on("chat_notification", (m) => m.payload.message === "hello from node" && done(m)),
  );
  alice.chat({ message: "hello from node" });
  const line = await heard;
  const joined = waitFor<UserJoinedMessage>((done) => alice.on("user_joined", done));
  const response = await fetch(`${config.http}/rooms/${secret}/join/?username=erin`, { method: "POST" });
  if (!response.ok) throw new Error(`join view: ${response.status}`);
  const event = await joined;
  alice.disconnect();
  bob.disconnect();
  return {
    pong: pong.action,
    members: members.payload,
    heard: { message: line.payload.message, username: line.payload.username },
    joined: event.payload.username,
    invalid: await authFailure("0".repeat(40)),
    forbidden: await authFailure(config.tokens.bob ?? ""),
  };
}

main().then(
  (result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
