// Drives the generated TypeScript client against the test server; run by test_client_typescript.py.
// Usage: node build/node/client_node.js <scenario> <host:port>. Prints one JSON result line;
// the restart scenario also prints "KILL" and waits for "GO" on stdin while the server restarts.
import { createInterface } from "node:readline";
import WebSocket from "ws";
import {
  CamelClient,
  ForbiddenError,
  QueueFullError,
  ReconnectGaveUpError,
  RequestTimeoutError,
  RoomClient,
  UnauthenticatedError,
  type Announcement,
  type ClientOptions,
  type SaidMessage,
  type WebSocketLike,
} from "../ts_client/index.js";
import { HubClient } from "../ts_topic_client/index.js";

const [scenario = "", base = ""] = process.argv.slice(2);

// Node 20 has no stable global WebSocket: the ws package provides one (with headers).
const nodeSocket = (url: string, headers: Record<string, string>): WebSocketLike =>
  new WebSocket(url, { headers }) as unknown as WebSocketLike;

function options(extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    baseUrl: base,
    pathParams: { room: "lobby" },
    query: { token: "secret" },
    reconnect: { initialMs: 20, maxDelayMs: 200, maxRetries: null },
    webSocket: nodeSocket,
    heartbeatIntervalMs: null,
    requestTimeoutMs: 30_000,
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

async function requestReply(): Promise<unknown> {
  const client = new RoomClient(options());
  await client.connect();
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) => client.echo({ seq: i, text: `line ${i}` })),
  );
  client.disconnect();
  return { seqs: replies.map((r) => r.payload.seq), texts: replies.map((r) => r.payload.text) };
}

async function broadcastAndEvents(): Promise<unknown> {
  const alice = new RoomClient(options());
  const bob = new RoomClient(options());
  await Promise.all([alice.connect(), bob.connect()]);
  const heard = waitFor<SaidMessage>((done) => bob.on("said", done));
  alice.say("hello room");
  const said = await heard;
  const announced = waitFor<Announcement>((done) => bob.on("announcement", done));
  alice.announce("from a handler");
  const announcement = await announced;
  alice.disconnect();
  bob.disconnect();
  return { said: said.payload, announcement: announcement.payload };
}

async function authFailure(token: string): Promise<unknown> {
  const client = new RoomClient(options({ query: { token } }));
  await client.connect();
  try {
    await client.finished;
    return { error: "none" };
  } catch (error) {
    return {
      error: error instanceof UnauthenticatedError ? "unauthenticated" : error instanceof ForbiddenError ? "forbidden" : String(error),
      code: (error as { code?: number }).code,
      connections: client.connections,
      state: client.state,
    };
  }
}

async function headerAuth(): Promise<unknown> {
  const client = new RoomClient(options({ query: undefined, headers: { "x-token": "secret" } }));
  await client.connect();
  const reply = await client.echo({ seq: 1, text: "by header" });
  client.disconnect();
  return { text: reply.payload.text };
}

async function camel(): Promise<unknown> {
  const client = new CamelClient(options());
  await client.connect();
  const reply = await client.shout({ userText: "hi" });
  client.disconnect();
  return { userText: reply.payload.userText, timesRepeated: reply.payload.timesRepeated };
}

async function restart(): Promise<unknown> {
  const lines = createInterface({ input: process.stdin });
  const go = waitFor<void>((done) => lines.on("line", (line) => line === "GO" && done()), 60_000);
  const client = new RoomClient(options({ initFrame: { action: "identify", payload: "ts" } }));
  await client.connect();
  const total = 200;
  const counts = new Map<number, number>();
  const one = async (i: number) => {
    const reply = await client.echo({ seq: i, text: String(i) });
    counts.set(reply.payload.seq, (counts.get(reply.payload.seq) ?? 0) + 1);
    return reply.payload.text === String(i);
  };
  const first = Array.from({ length: total / 2 }, (_, i) => one(i));
  await waitFor<void>((done) => {
    const poll = setInterval(() => {
      if (counts.size >= 50) {
        clearInterval(poll);
        done();
      }
    }, 5);
  });
  console.log("KILL");
  await client.waitForState("reconnecting");
  const second = Array.from({ length: total / 2 }, (_, i) => one(total / 2 + i));
  console.log("START");
  await go;
  const ok = await Promise.all([...first, ...second]);
  const name = await client.whoami();
  client.disconnect();
  lines.close();
  return {
    seqs: [...counts.keys()].sort((a, b) => a - b),
    duplicates: [...counts.values()].filter((c) => c !== 1).length,
    matched: ok.every(Boolean),
    connections: client.connections,
    name: name.payload,
  };
}

async function deadServer(): Promise<unknown> {
  const client = new RoomClient(options({ reconnect: { initialMs: 10, maxDelayMs: 50, maxRetries: 3 } }));
  try {
    await client.connect();
    return { error: "none" };
  } catch (error) {
    return {
      error: error instanceof ReconnectGaveUpError ? "gave_up" : String(error),
      attempts: (error as { attempts?: number }).attempts,
      state: client.state,
    };
  }
}

async function topics(): Promise<unknown> {
  // Ticks 1-5 live; then "KILL": the test kills the server, publishes 6-30 while it is down
  // and starts it again ("GO"); the client resubscribes with its last seq/epoch and must see
  // 6-30 replayed once each, then 31 live.
  const lines = createInterface({ input: process.stdin });
  const go = waitFor<void>((done) => lines.on("line", (line) => line === "GO" && done()), 60_000);
  const post = async (path: string) => {
    const response = await fetch(`http://${base}${path}`, { method: "POST" });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
  };
  const hub = new HubClient(options());
  await hub.connect();
  const ticker = hub.tickerTopic("TS");
  const seen: number[] = [];
  const reached = (n: number) =>
    waitFor<void>((done) => ticker.on("tick", (tick) => tick.payload === n && done()), 30_000);
  ticker.on("tick", (tick) => seen.push(tick.payload));
  await ticker.subscribe();
  const epoch = ticker.epoch;
  const five = reached(5);
  for (let value = 1; value <= 5; value++) await post(`/tick?topic=ticker:TS&value=${value}`);
  await five;
  const last = await ticker.last();
  const thirty = reached(30);
  console.log("KILL");
  await hub.waitForState("reconnecting");
  console.log("DOWN");
  await go;
  await thirty;
  const recovered = ticker.recovered;
  const live = reached(31);
  await post("/tick?topic=ticker:TS&value=31");
  await live;
  const after = await ticker.last();
  hub.disconnect();
  lines.close();
  return {
    seen,
    last: last.payload,
    after: after.payload,
    recovered,
    sameEpoch: ticker.epoch === epoch && typeof epoch === "string",
    connections: hub.connections,
    same: hub.tickerTopic("TS") === ticker,
  };
}

async function topicPosition(): Promise<unknown> {
  // No server: the frames an overlapping replay would bring, handed to the handle directly.
  const hub = new HubClient(options());
  const ticker = hub.tickerTopic("POS");
  const seen: number[] = [];
  ticker.on("tick", (tick) => seen.push(tick.payload));
  ticker.acceptSubscribed({ action: "subscribed", payload: { epoch: "e1", seq: 2 } });
  const push = (seq: number) => ({ action: "tick", payload: seq * 10, topic: "ticker:POS", seq, v: 1 });
  for (const seq of [2, 3, 4, 4, 3, 5]) ticker.deliver(push(seq)); // 2 seen before; 4, 3 again
  const frame = ticker.subscribeFrame();
  // the server lost the stream (a restart without history): it says so, numbering anew
  ticker.deliver({ action: "subscribed", topic: "ticker:POS", payload: { epoch: "e2", seq: 0 } });
  const restarted = [ticker.epoch, ticker.lastSeq];
  ticker.deliver(push(1));
  return { seen, frame, restarted };
}

async function lateReply(): Promise<unknown> {
  // Frozen, the server answers nothing: the request rejects. Thawed, it answers; the client
  // forgot the request's ref, so the reply reaches the listeners instead.
  const lines = createInterface({ input: process.stdin });
  const heard = (word: string) =>
    waitFor<void>((done) => lines.on("line", (line) => line === word && done()), 30_000);
  const client = new RoomClient(options());
  await client.connect();
  const late = waitFor<number>((done) => client.on("echo_reply", (reply) => done(reply.payload.seq)));
  const frozen = heard("FROZEN");
  console.log("FREEZE");
  await frozen;
  let timedOut = false;
  try {
    await client.echo({ seq: 9, text: "late" }, 300);
  } catch (error) {
    timedOut = error instanceof RequestTimeoutError;
  }
  const thawed = heard("THAWED");
  console.log("THAW");
  await thawed;
  const lateSeq = await late;
  client.disconnect();
  lines.close();
  return { timedOut, lateSeq };
}

async function queueLimit(): Promise<unknown> {
  // Before the first connect, frames wait in the queue, at most queueLimit of them; they go
  // out in order once connected.
  const client = new RoomClient(options({ queueLimit: 3 }));
  const seqs: number[] = [];
  const three = waitFor<void>((done) =>
    client.on("echo_reply", (reply) => {
      seqs.push(reply.payload.seq);
      if (seqs.length === 3) done();
    }),
  );
  for (let seq = 0; seq < 3; seq++) client.sendEcho({ seq, text: "queued" });
  let refused = "";
  try {
    client.sendEcho({ seq: 3, text: "one too many" });
  } catch (error) {
    refused = error instanceof QueueFullError ? "QueueFullError" : String(error);
  }
  await client.connect();
  await three;
  client.disconnect();
  return { refused, seqs };
}

async function heartbeat(): Promise<unknown> {
  const lines = createInterface({ input: process.stdin });
  const thawed = waitFor<void>((done) => lines.on("line", (line) => line === "THAWED" && done()), 30_000);
  // The server is frozen (SIGSTOP): the socket stays open and silent, only pings notice.
  const client = new RoomClient(options({ heartbeatIntervalMs: 300 }));
  await client.connect();
  console.log("FREEZE");
  await client.waitForState("reconnecting");
  console.log("THAW");
  await thawed;
  await client.waitForState("open");
  const reply = await client.echo({ seq: 7, text: "after" });
  client.disconnect();
  lines.close();
  return { seq: reply.payload.seq, reconnected: client.connections >= 2 };
}

const scenarios: Record<string, () => Promise<unknown>> = {
  request_reply: requestReply,
  broadcast_events: broadcastAndEvents,
  auth_unauthenticated: () => authFailure("wrong"),
  auth_forbidden: () => authFailure("nope"),
  header_auth: headerAuth,
  camel,
  restart,
  dead_server: deadServer,
  topics,
  topic_position: topicPosition,
  heartbeat,
  late_reply: lateReply,
  queue_limit: queueLimit,
};

const run = scenarios[scenario];
if (run === undefined) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
run().then(
  (result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
