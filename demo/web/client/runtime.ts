// Runtime of chanx generated TypeScript clients: no dependencies, works in browsers and Node.
// Shipped by chanx-client and copied next to the generated code (kept unless --override-base).

/** Envelope fields and protocol actions; one place so a server-side rename is one edit. */
export const WIRE = {
  action: "action",
  ref: "ref",
  topic: "topic",
  payload: "payload",
  seq: "seq",
  epoch: "epoch",
  recovered: "recovered",
  version: "version",
  subscribe: "subscribe",
  subscribed: "subscribed",
  unsubscribe: "unsubscribe",
  error: "error",
  completeActions: ["complete", "group_complete", "event_complete"] as readonly string[],
  closeUnauthenticated: 4401,
  closeForbidden: 4403,
} as const;

/** Any chanx message: discriminated by ``action``. */
export interface Tagged {
  action: string;
}

type Frame = Record<string, unknown>;

/** The subset of the WebSocket API the runtime uses (browser WebSocket and ``ws`` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  /** Drop the connection without a close handshake (Node ``ws``). */
  terminate?(): void;
}

/** Opens a socket; ``headers`` only work where the implementation supports them (Node ``ws``). */
export type WebSocketFactory = (url: string, headers: Record<string, string>) => WebSocketLike;

export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxDelayMs: number;
  /** Fraction of the delay removed at random, 0..1. */
  jitter: number;
  /** ``null`` retries forever; 0 never reconnects. */
  maxRetries: number | null;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 500,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 0.5,
  maxRetries: 10,
};

/** Milliseconds before reconnect attempt ``attempt`` (1-based): capped exponential, jittered. */
export function backoffDelay(policy: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialMs * policy.factor ** Math.max(attempt - 1, 0));
  return base * (1 - policy.jitter * random());
}

export interface ClientOptions {
  /** ``host:port`` (``protocol`` is prepended) or a full ``ws://``/``wss://`` URL. */
  baseUrl: string;
  protocol?: "ws" | "wss";
  pathParams?: Record<string, string | number>;
  /** Query-string credentials or parameters. */
  query?: Record<string, string>;
  /** Handshake headers (Node ``ws`` only; browsers cannot set them). */
  headers?: Record<string, string>;
  /** A JSON object sent first on every connection (first-frame credentials). */
  initFrame?: Frame;
  /** Reconnect policy; ``false`` never reconnects. */
  reconnect?: Partial<BackoffOptions> | false;
  /** Most frames kept while disconnected; one more throws ``QueueFullError``. */
  queueLimit?: number;
  requestTimeoutMs?: number;
  /** Interval of ping/pong heartbeats (when the schema has them); ``null`` disables them. */
  heartbeatIntervalMs?: number | null;
  /** Socket factory; defaults to the global ``WebSocket``. */
  webSocket?: WebSocketFactory;
}

export class ChanxClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
export class ConnectionClosedError extends ChanxClientError {
  constructor(readonly code: number | null, readonly reason: string = "") {
    super(`connection closed with code ${code}${reason ? `: ${reason}` : ""}`);
  }
  get retryable(): boolean {
    return isRetryable(this.code);
  }
}
/** Authentication failed (4401/4403): never retried. */
export class AuthError extends ConnectionClosedError {}
export class UnauthenticatedError extends AuthError {}
export class ForbiddenError extends AuthError {}
/** Another 44xx close: a client-side problem, not retried. */
export class RejectedError extends ConnectionClosedError {}
export class ReconnectGaveUpError extends ChanxClientError {
  constructor(readonly attempts: number, readonly lastError: Error | null) {
    super(`gave up reconnecting after ${attempts} attempts: ${lastError?.message ?? "no error"}`);
  }
}
export class QueueFullError extends ChanxClientError {}
export class ClientClosedError extends ChanxClientError {}
export class RequestTimeoutError extends ChanxClientError {}
export class NoReplyError extends ChanxClientError {}
export class RequestError extends ChanxClientError {
  constructor(readonly action: string, readonly payload: unknown) {
    super(`server answered ${action}: ${JSON.stringify(payload)}`);
  }
}
export class UnexpectedReplyError extends ChanxClientError {
  constructor(readonly reply: Tagged) {
    super(`unexpected reply ${reply.action}`);
  }
}

const PERMANENT_STANDARD = new Set([1002, 1003, 1007, 1008, 1009, 1010]);

export function isRetryable(code: number | null): boolean {
  if (code === null) return true;
  if (code >= 4400 && code < 4500) return false;
  return !PERMANENT_STANDARD.has(code);
}

export function errorForClose(code: number | null, reason = ""): ConnectionClosedError {
  if (code === WIRE.closeUnauthenticated) return new UnauthenticatedError(code, reason);
  if (code === WIRE.closeForbidden) return new ForbiddenError(code, reason);
  if (code !== null && code >= 4400 && code < 4500) return new RejectedError(code, reason);
  return new ConnectionClosedError(code, reason);
}

export type ClientState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

interface PendingRequest {
  frame: string;
  sentOn: number;
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
}

type Listener<T> = (message: T) => void;

/**
 * A reconnecting, typed client for one channel. Generated clients extend it with one method
 * per client action. Frames sent while disconnected wait in a bounded queue; requests still
 * unanswered when a connection drops are sent again with the same ``ref`` after reconnecting
 * (at-least-once; each request settles once).
 */
export class BaseClient<In extends Tagged, Out extends Tagged> {
  state: ClientState = "idle";
  /** Successful connections so far. */
  connections = 0;
  error: Error | null = null;
  readonly url: string;
  protected readonly options: ClientOptions;
  private readonly policy: BackoffOptions | null;
  private socket: WebSocketLike | null = null;
  private readonly queue: Array<[string, string | null]> = [];
  private readonly pending = new Map<string, PendingRequest>();
  private nextRef = 1;
  private attempt = 0;
  /** True while ``afterConnect`` runs: frames sent then go out ahead of the queue. */
  private connecting = false;
  private readonly listeners = new Map<string, Set<Listener<In>>>();
  private readonly anyListeners = new Set<Listener<In>>();
  private readonly stateListeners = new Set<(state: ClientState) => void>();
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private firstOpen: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private done: { resolve: () => void; reject: (e: Error) => void } | null = null;
  /** Settles when the client is closed: resolves after ``disconnect()``, rejects on failure. */
  readonly finished: Promise<void>;

  constructor(options: ClientOptions, path: string) {
    this.options = options;
    const base = /^wss?:\/\//.test(options.baseUrl)
      ? options.baseUrl
      : `${options.protocol ?? "ws"}://${options.baseUrl}`;
    const params = options.pathParams ?? {};
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new ChanxClientError(`missing path parameter ${name}`);
      return encodeURIComponent(String(value));
    });
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : "";
    this.url = base.replace(/\/$/, "") + filled + query;
    this.policy = options.reconnect === false ? null : { ...DEFAULT_BACKOFF, ...(options.reconnect ?? {}) };
    this.finished = new Promise<void>((resolve, reject) => {
      this.done = { resolve, reject };
    });
    this.finished.catch(() => undefined); // observed through connect()/requests too
  }

  /** The heartbeat request, when the channel has ping/pong (generated clients override it). */
  protected heartbeatMessage(): Out | null {
    return null;
  }

  /** Resolves once the first connection is open; rejects if it never opens. */
  connect(): Promise<void> {
    if (this.state === "open") return Promise.resolve();
    if (this.state === "closed") return Promise.reject(this.error ?? new ClientClosedError("closed"));
    return new Promise<void>((resolve, reject) => {
      this.firstOpen = { resolve, reject };
      if (this.state === "idle") this.open();
    });
  }

  /** Close for good; pending requests reject with ``ClientClosedError``. */
  disconnect(code = 1000, reason = ""): void {
    if (this.state === "closed") return;
    const socket = this.socket;
    this.finish(new ClientClosedError("the client was disconnected"));
    socket?.close(code, reason);
  }

  /** Send a message (queued while disconnected). */
  send(message: Out): void {
    this.sendText(JSON.stringify(message), null);
  }

  /** Send ``message`` with a fresh ``ref``; resolves with the reply carrying the same ref. */
  request(message: Out | Frame, timeoutMs?: number): Promise<In> {
    const ref = String(this.nextRef++);
    const text = JSON.stringify({ ...message, [WIRE.ref]: ref });
    const timeout = timeoutMs ?? this.options.requestTimeoutMs ?? 10_000;
    return new Promise<In>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new RequestTimeoutError(`no reply to ${ref} within ${timeout} ms`));
      }, timeout);
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        this.pending.delete(ref);
        fn(value);
      };
      this.pending.set(ref, {
        frame: text,
        sentOn: 0,
        resolve: settle((frame: Frame) => resolve(frame as unknown as In)),
        reject: settle(reject),
      });
      try {
        this.sendText(text, ref);
      } catch (error) {
        this.pending.get(ref)?.reject(error as Error);
      }
    });
  }

  /** Call ``callback`` for every message whose action is ``action``; returns an unsubscriber. */
  on<A extends In["action"]>(action: A, callback: (message: Extract<In, { action: A }>) => void): () => void {
    const set = this.listeners.get(action) ?? new Set<Listener<In>>();
    const listener = callback as unknown as Listener<In>;
    set.add(listener);
    this.listeners.set(action, set);
    return () => set.delete(listener);
  }

  /** Call ``callback`` for every server message that answers no request. */
  onMessage(callback: (message: In) => void): () => void {
    this.anyListeners.add(callback);
    return () => this.anyListeners.delete(callback);
  }

  /** Call ``callback`` on every state change. */
  onStateChange(callback: (state: ClientState) => void): () => void {
    this.stateListeners.add(callback);
    return () => this.stateListeners.delete(callback);
  }

  /** Resolves once the client is in ``state``. */
  waitForState(state: ClientState): Promise<void> {
    if (this.state === state) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onStateChange((now) => {
        if (now === state) {
          off();
          resolve();
        }
      });
    });
  }

  /** Every server message answering no request, as an async iterator (ends on close). */
  async *messages(): AsyncGenerator<In, void, undefined> {
    const buffer: In[] = [];
    let wake: (() => void) | null = null;
    const off = this.onMessage((message) => {
      buffer.push(message);
      wake?.();
    });
    const offState = this.onStateChange(() => wake?.());
    try {
      while (true) {
        const next = buffer.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.state === "closed") return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      off();
      offState();
    }
  }

  /** Called after each connect, before queued frames are flushed (topic handles resubscribe). */
  protected onOpen(): void {}

  /** Called for every server frame that answers no request (after the listeners). */
  protected handleFrame(frame: Frame): void {
    const message = frame as unknown as In;
    for (const listener of this.listeners.get(message.action) ?? []) this.safely(listener, message);
    for (const listener of this.anyListeners) this.safely(listener, message);
  }

  private safely(listener: Listener<In>, message: In): void {
    try {
      listener(message);
    } catch (error) {
      console.error("chanx client listener failed", error);
    }
  }

  private setState(state: ClientState): void {
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }

  private sendText(text: string, ref: string | null): void {
    if (this.state === "closed") throw new ClientClosedError("the client is closed");
    if (this.socket !== null && (this.state === "open" || this.connecting)) {
      this.socket.send(text);
      this.markSent(ref);
      return;
    }
    const limit = this.options.queueLimit ?? 1000;
    if (this.queue.length >= limit) throw new QueueFullError(`${limit} frames already wait for a connection`);
    this.queue.push([text, ref]);
  }

  private markSent(ref: string | null): void {
    const request = ref === null ? undefined : this.pending.get(ref);
    if (request !== undefined) request.sentOn = this.connections;
  }

  private open(): void {
    this.setState(this.connections === 0 ? "connecting" : "reconnecting");
    const factory = this.options.webSocket ?? defaultFactory;
    let socket: WebSocketLike;
    try {
      socket = factory(this.url, this.options.headers ?? {});
    } catch (error) {
      this.dropped(new ConnectionClosedError(null, String(error)));
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.connections += 1;
      this.attempt = 0;
      this.afterConnect(socket);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => undefined; // the close event that follows carries the code
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopHeartbeat();
      if (this.state === "closed") return;
      this.dropped(errorForClose(opened ? event.code : null, event.reason));
    };
  }

  private afterConnect(socket: WebSocketLike): void {
    if (this.options.initFrame !== undefined) socket.send(JSON.stringify(this.options.initFrame));
    this.connecting = true;
    try {
      this.onOpen();
    } finally {
      this.connecting = false;
    }
    for (const [ref, request] of this.pending) {
      if (request.sentOn > 0 && request.sentOn < this.connections) {
        socket.send(request.frame);
        this.markSent(ref);
      }
    }
    while (this.queue.length > 0) {
      const [text, ref] = this.queue.shift() as [string, string | null];
      socket.send(text);
      this.markSent(ref);
    }
    this.setState("open");
    this.startHeartbeat(socket);
    this.firstOpen?.resolve();
    this.firstOpen = null;
  }

  private dropped(error: ConnectionClosedError): void {
    if (!error.retryable) {
      this.finish(error);
      return;
    }
    this.attempt += 1;
    const policy = this.policy;
    if (policy === null || (policy.maxRetries !== null && this.attempt > policy.maxRetries)) {
      this.finish(new ReconnectGaveUpError(this.attempt - 1, error));
      return;
    }
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state !== "closed") this.open();
    }, backoffDelay(policy, this.attempt));
  }

  private receive(data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null || Array.isArray(frame)) return;
    const record = frame as Frame;
    const ref = record[WIRE.ref];
    const request = typeof ref === "string" ? this.pending.get(ref) : undefined;
    if (request !== undefined) {
      const action = String(record[WIRE.action]);
      if (action === WIRE.error) request.reject(new RequestError(action, record.payload));
      else if (WIRE.completeActions.includes(action)) request.reject(new NoReplyError(`request ${String(ref)} completed without reply`));
      else request.resolve(record);
      return;
    }
    this.handleFrame(record);
  }

  private startHeartbeat(socket: WebSocketLike): void {
    const message = this.heartbeatMessage();
    const interval = this.options.heartbeatIntervalMs === undefined ? 20_000 : this.options.heartbeatIntervalMs;
    if (message === null || interval === null) return;
    this.heartbeatTimer = setInterval(() => {
      this.request(message, interval).catch((error: unknown) => {
        // No pong in time: the peer is gone even if the socket does not know yet, and it would
        // not answer a close handshake either, so drop the socket and reconnect now.
        if (!(error instanceof RequestTimeoutError) || this.socket !== socket) return;
        this.socket = null;
        this.stopHeartbeat();
        if (socket.terminate !== undefined) socket.terminate();
        else socket.close(4000, "heartbeat timeout");
        this.dropped(new ConnectionClosedError(null, "heartbeat timeout"));
      });
    }, interval);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private finish(error: Error): void {
    this.error = this.error ?? error;
    this.stopHeartbeat();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.socket = null;
    this.queue.length = 0;
    for (const request of [...this.pending.values()]) request.reject(error);
    this.pending.clear();
    this.setState("closed");
    this.firstOpen?.reject(error);
    this.firstOpen = null;
    if (error instanceof ClientClosedError) this.done?.resolve();
    else this.done?.reject(error);
  }
}

function defaultFactory(url: string): WebSocketLike {
  const ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (ctor === undefined) throw new ChanxClientError("no global WebSocket: pass options.webSocket");
  return new ctor(url);
}

/** One topic subscription on a ``TopicConnection``; remembers the last ``seq``/``epoch``. */
export class TopicSubscription {
  lastSeq: number | null = null;
  epoch: string | null = null;
  /** Whether the latest ``subscribed`` reply said missed pushes were replayed. */
  recovered: boolean | null = null;
  subscribed = false;

  constructor(
    readonly connection: TopicConnection<Tagged, Tagged>,
    readonly topic: string,
  ) {}

  /** The subscribe frame; once the stream position is known its payload asks for a replay. */
  subscribeFrame(): Frame {
    const frame: Frame = { [WIRE.action]: WIRE.subscribe, [WIRE.topic]: this.topic };
    if (this.lastSeq !== null && this.epoch !== null) {
      frame[WIRE.payload] = { [WIRE.seq]: this.lastSeq, [WIRE.epoch]: this.epoch };
    }
    return frame;
  }

  /** Subscribe (or confirm); rejects with ``RequestError`` when the server refuses. */
  async subscribe(): Promise<void> {
    this.subscribed = true;
    const reply = await this.connection.request(this.subscribeFrame());
    this.acceptSubscribed(reply as unknown as Frame);
  }

  async unsubscribe(): Promise<void> {
    this.subscribed = false;
    await this.connection.request({ [WIRE.action]: WIRE.unsubscribe, [WIRE.topic]: this.topic });
  }

  /** Send ``message`` on this topic without waiting for a reply. */
  send(message: Tagged): void {
    this.connection.sendFrame({ ...message, [WIRE.version]: 1, [WIRE.topic]: this.topic });
  }

  acceptSubscribed(reply: Frame): void {
    const payload = reply.payload;
    if (typeof payload !== "object" || payload === null) return;
    const fields = payload as Frame;
    const epoch = fields[WIRE.epoch];
    if (typeof epoch === "string" && epoch !== this.epoch) {
      this.epoch = epoch;
      this.lastSeq = null; // a new epoch restarts the sequence
    }
    const seq = fields[WIRE.seq];
    if (typeof seq === "number" && this.lastSeq === null) this.lastSeq = seq;
    const recovered = fields[WIRE.recovered];
    this.recovered = typeof recovered === "boolean" ? recovered : null;
  }

  /** Drop a replayed duplicate, record ``seq`` and hand the push on. */
  deliver(frame: Frame): void {
    // an unprompted ``subscribed``: the server lost the stream (new epoch, trimmed history)
    if (frame[WIRE.action] === WIRE.subscribed) this.acceptSubscribed(frame);
    const seq = frame[WIRE.seq];
    if (typeof seq === "number") {
      if (this.lastSeq !== null && seq <= this.lastSeq) return;
      this.lastSeq = seq;
    }
    this.handlePush(frame);
  }

  /** Called for each new push (``TopicHandle`` passes it to its typed listeners). */
  protected handlePush(_frame: Frame): void {}
}

/** A typed topic handle: generated handles extend it with one method per topic action. */
export class TopicHandle<In extends Tagged> extends TopicSubscription {
  private readonly listeners = new Set<(message: In) => void>();

  /** Send ``message`` on this topic and resolve with its reply. */
  request(message: Tagged, timeoutMs?: number): Promise<In> {
    const frame = { ...message, [WIRE.topic]: this.topic };
    return this.connection.request(frame, timeoutMs) as Promise<unknown> as Promise<In>;
  }

  /** Call ``callback`` for every push whose action is ``action``. */
  on<A extends In["action"]>(action: A, callback: (message: Extract<In, { action: A }>) => void): () => void {
    return this.onMessage((message) => {
      if (message.action === action) callback(message as Extract<In, { action: A }>);
    });
  }

  onMessage(callback: (message: In) => void): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  protected override handlePush(frame: Frame): void {
    for (const listener of this.listeners) listener(frame as unknown as In);
  }
}

/** A connection carrying topic subscriptions; resubscribes them after every reconnect. */
export class TopicConnection<In extends Tagged, Out extends Tagged> extends BaseClient<In, Out> {
  readonly handles = new Map<string, TopicSubscription>();

  /** The handle of ``topic`` (created once with ``ctor``, then reused). */
  handle<H extends TopicSubscription>(
    ctor: new (connection: TopicConnection<Tagged, Tagged>, topic: string) => H,
    topic: string,
  ): H {
    const existing = this.handles.get(topic);
    if (existing instanceof ctor) return existing;
    const handle = new ctor(this as unknown as TopicConnection<Tagged, Tagged>, topic);
    this.handles.set(topic, handle);
    return handle;
  }

  /** Send a raw frame (queued while disconnected). */
  sendFrame(frame: Frame): void {
    this.send(frame as unknown as Out);
  }

  protected override onOpen(): void {
    if (this.connections <= 1) return;
    for (const handle of this.handles.values()) {
      if (!handle.subscribed) continue;
      this.request(handle.subscribeFrame())
        .then((reply) => handle.acceptSubscribed(reply as unknown as Frame))
        .catch((error: unknown) => console.warn(`resubscribing to ${handle.topic} failed`, error));
    }
  }

  protected override handleFrame(frame: Frame): void {
    const topic = frame[WIRE.topic];
    if (typeof topic === "string") {
      const handle = this.handles.get(topic);
      if (handle?.subscribed) handle.deliver(frame);
      return;
    }
    super.handleFrame(frame);
  }
}
