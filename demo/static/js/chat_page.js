// The demo chat page, on the generated TypeScript client (demo/web/client, from the demo's
// AsyncAPI document). Compiled by tsc --strict to demo/static/js/ (checked in; CI step
// 35-client checks it is fresh). No third-party code: the page loads only the server's URLs.
import { ChatClient, RejectedError, } from "./client/index.js";
const $ = (id) => {
    const el = document.getElementById(id);
    if (el === null)
        throw new Error(`#${id} is missing`);
    return el;
};
const input = (id) => $(id);
const button = (id) => $(id);
let client = null;
/** The browser socket of the current connection: the raw frames panel and its demo button. */
let raw = null;
let lastClose = 0;
let me = "";
let room = "";
let joined = false;
let lastTyping = 0;
let lastSent = "";
const online = new Map(); // user -> number of their connections (tabs)
// -- raw frames panel -------------------------------------------------------------------
function logFrame(text, cls = "") {
    const line = document.createElement("li");
    line.textContent = text;
    if (cls)
        line.className = cls;
    $("log").appendChild(line);
    $("log").scrollTop = $("log").scrollHeight;
}
/** The browser WebSocket, wrapped so the raw frames panel sees every frame both ways. */
function loggedSocket(url) {
    const socket = new WebSocket(url);
    raw = socket;
    const wrapper = {
        get readyState() {
            return socket.readyState;
        },
        send(data) {
            if (!data.includes('"typing_'))
                logFrame("> " + data, "out");
            socket.send(data);
        },
        close(code, reason) {
            socket.close(code, reason);
        },
        onopen: null,
        onmessage: null,
        onclose: null,
        onerror: null,
    };
    socket.onopen = (event) => wrapper.onopen?.(event);
    socket.onerror = (event) => wrapper.onerror?.(event);
    socket.onmessage = (event) => {
        const text = String(event.data);
        logFrame("< " + text, text.includes('"action":"error"') ? "error" : "");
        wrapper.onmessage?.({ data: event.data });
    };
    socket.onclose = (event) => {
        lastClose = event.code;
        logFrame(`closed (code ${event.code})`);
        wrapper.onclose?.({ code: event.code, reason: event.reason });
    };
    return wrapper;
}
// -- transcript ---------------------------------------------------------------------------
function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
function addEntry(cls, parts) {
    const item = document.createElement("li");
    item.className = cls;
    for (const [tag, text, extra] of parts) {
        const el = document.createElement(tag);
        el.textContent = text;
        for (const [k, v] of Object.entries(extra ?? {}))
            el.setAttribute(k, v);
        item.appendChild(el);
    }
    $("transcript").appendChild(item);
    $("transcript").scrollTop = $("transcript").scrollHeight;
}
function addNotice(text, cls = "notice") {
    addEntry(cls, [["span", text], ["time", " " + clock(new Date())]]);
}
function addChatLine(p) {
    addEntry(p.username === me ? "message mine" : "message", [
        ["span", p.username, { class: "who" }],
        ["time", clock(new Date(p.sent_at)), { datetime: p.sent_at }],
        ["span", p.message, { class: "text" }],
    ]);
}
// -- status ---------------------------------------------------------------------------------
function setStatus(state, text) {
    $("status").dataset.state = state;
    $("status").textContent = text;
    const live = state === "connected";
    input("chat").disabled = button("send").disabled = !live;
    button("connect").disabled = state === "connecting" || live;
    button("disconnect").disabled = !(state === "connecting" || live);
}
// -- presence and typing (PresenceMixin, TypingMixin) ------------------------------------
function renderOnline() {
    $("online").replaceChildren();
    for (const [user, conns] of [...online].sort()) {
        const item = document.createElement("li");
        item.dataset.user = user;
        if (user === me)
            item.className = "me";
        item.textContent = (user === me ? `${user} (you)` : user) + (conns > 1 ? ` · ${conns} tabs` : "");
        $("online").appendChild(item);
    }
    $("online-count").textContent = String(online.size);
}
function renderTyping(typists) {
    const others = typists.filter((u) => u !== me);
    $("typing").textContent =
        others.length === 0 ? "" : others.join(", ") + (others.length === 1 ? " is typing…" : " are typing…");
}
// -- rate limit notice: one notice, counting down, replaced by the next rejection ----------
let countdown;
function showRateLimit(retryAfter) {
    clearInterval(countdown);
    const until = Date.now() + retryAfter * 1000;
    const notice = $("notice");
    const tick = () => {
        const left = Math.ceil((until - Date.now()) / 1000);
        if (left > 0) {
            notice.textContent = `You are sending messages too fast. You can send again in ${left} s.`;
            return;
        }
        clearInterval(countdown); // say so for a moment, then get out of the way
        notice.textContent = "You can send again.";
        countdown = setTimeout(() => {
            notice.hidden = true;
        }, 2000);
    };
    notice.hidden = false;
    tick();
    countdown = setInterval(tick, 250);
}
// -- typed messages from the server ---------------------------------------------------------
function onAuthentication(message) {
    const p = message.payload; // sent on failure, just before the server closes (4401/4403)
    if (p.status_code >= 300) {
        const data = p.data;
        setStatus("rejected", `Rejected: ${data?.detail ?? p.status_text} (${p.status_code})`);
    }
}
function onPresenceState(message) {
    online.clear(); // the first frame after a successful join (and after each reconnect)
    for (const u of message.payload.users)
        online.set(u.user, u.connections?.length ?? 1);
    renderOnline();
    if (!joined) {
        joined = true;
        addNotice(`You joined #${room}`);
    }
    setStatus("connected", `Connected as ${me}`);
}
function onPresenceDiff(message) {
    for (const u of message.payload.joins ?? []) {
        if (!online.has(u.user) && u.user !== me)
            addNotice(`${u.user} joined`);
        online.set(u.user, u.connections?.length ?? 1);
    }
    for (const user of message.payload.leaves ?? []) {
        online.delete(user);
        addNotice(`${user} left`);
    }
    renderOnline();
}
function onError(message) {
    const first = Array.isArray(message.payload) ? message.payload[0] : undefined;
    if (first !== undefined && typeof first === "object" && first !== null && "retry_after" in first) {
        showRateLimit(Number(first.retry_after));
        if (!input("chat").value)
            input("chat").value = lastSent; // not sent: give the text back
    }
}
function left() {
    if ($("status").dataset.state !== "rejected") {
        const why = lastClose === 4429 ? " (too many messages)" : "";
        setStatus("closed", joined ? `You left #${room}${why}` : `Could not join (code ${lastClose})`);
        if (joined)
            addNotice(`You left #${room}${why}`);
    }
    joined = false;
    online.clear();
    renderOnline();
    renderTyping([]);
}
function join() {
    room = input("room").value.trim();
    const token = $("token");
    me = token.selectedOptions[0]?.textContent ?? "";
    joined = false;
    $("room-title").textContent = `#${room}`;
    setStatus("connecting", "Joining…");
    const chat = new ChatClient({
        baseUrl: location.host,
        protocol: location.protocol === "https:" ? "wss" : "ws",
        pathParams: { room },
        query: { token: token.value },
        webSocket: loggedSocket,
        // pings only from the button here: every frame counts against the demo's rate limit
        heartbeatIntervalMs: null,
        reconnect: { maxRetries: 5 },
    });
    client = chat;
    chat.on("authentication", onAuthentication);
    chat.on("presence_state", onPresenceState);
    chat.on("presence_diff", onPresenceDiff);
    chat.on("typing_users", (m) => renderTyping(m.payload.typists));
    chat.on("chat_notification", (m) => addChatLine(m.payload));
    chat.on("announcement", (m) => addNotice(`Announcement: ${m.payload}`, "announcement"));
    chat.on("error", onError);
    chat.onStateChange((state) => {
        if (state === "reconnecting" && joined)
            setStatus("connecting", "Reconnecting…");
    });
    chat.finished.then(left, (error) => {
        if (error instanceof RejectedError)
            lastClose = error.code ?? lastClose;
        left();
    });
    chat.connect().catch(() => undefined); // failures end in `finished`
}
function send(action) {
    if (client !== null && client.state === "open")
        action();
}
$("join-form").onsubmit = (e) => {
    e.preventDefault();
    join();
};
button("disconnect").onclick = () => client?.disconnect();
button("ping").onclick = () => send(() => {
    client?.ping().catch((error) => logFrame(`ping failed: ${String(error)}`, "error"));
});
// the one frame the typed client cannot send: the server's answer to bad input, on show
button("bad").onclick = () => send(() => {
    logFrame("> {not json", "out");
    raw?.send("{not json");
});
input("chat").oninput = () => {
    const now = Date.now();
    if (input("chat").value.trim() === "") {
        lastTyping = 0;
        send(() => client?.typingStop());
    }
    else if (now - lastTyping > 1500) {
        lastTyping = now;
        send(() => client?.typingStart());
    }
};
$("composer").onsubmit = (e) => {
    e.preventDefault();
    const text = input("chat").value.trim();
    if (!text)
        return;
    lastSent = text;
    // the typed method sends {"action": "chat", "payload": {"message": text}}
    send(() => client?.chat({ message: text }));
    input("chat").value = "";
    lastTyping = 0;
    send(() => client?.typingStop());
};
$("announce-form").onsubmit = async (e) => {
    e.preventDefault();
    const target = room || input("room").value;
    const response = await fetch(`/api/rooms/${encodeURIComponent(target)}/announcements`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: input("announce").value }),
    });
    logFrame(`POST announcement: HTTP ${response.status}`, response.ok ? "out" : "error");
    input("announce").value = "";
};
