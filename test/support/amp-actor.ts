/**
 * A stand-in ampcode.com for the native ("Neo") Amp CLI (shared/spec/amp-cli-latest-traffic.md): the
 * /api/internal RPCs, POST /api/thread-actors minting wsTokens, and Rivet's actor gateway, which, like the
 * public one, refuses a socket without the publishable rvt-token (401 missing, 403 wrong) or with an
 * unknown wsToken. Its thread actor speaks JSON-RPC 2.0 text frames and plays one turn: executor_connect →
 * executor_connected; client_append_user_msg → message_added (user), agent_state streaming,
 * message_added (assistant, complete), agent_state idle; every request gets its response.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TestContext } from "node:test";
import { randomBytes, randomUUID } from "node:crypto";
import { sendJson } from "./fake-upstream.js";
import { acceptUpgrade, type WsPeer } from "./ws.js";

/** The token the real CLI carries (the spec's "Rivet routing token"). */
export const PUBLISHABLE_RIVET_TOKEN = "pk_9tm4qz3zrMerdZXTlBRLRsmJIzSQIPH24meKBqiL6vVpscTvc4w1YPiBgymXf9Az";

/** One HTTP request the stand-in received. */
export interface StandInRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** One upgrade the stand-in received (accepted or not). */
export interface StandInUpgrade {
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly status: number;
}

/** Options: the rvt-token required, a fixed refusal, or a raw socket handler replacing the actor. */
export interface StandInOptions {
  rivetToken?: string;
  refuseUpgrade?: { status: number; body: string };
  /** Handles accepted upgrades itself (raw bytes, after the checks). */
  onSocket?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Answer offered extensions with this Sec-WebSocket-Extensions value. */
  extensions?: string;
  /** The assistant's reply text. */
  reply?: string;
}

/** A running stand-in. */
export interface AmpStandIn {
  readonly url: string;
  readonly port: number;
  readonly requests: StandInRequest[];
  readonly upgrades: StandInUpgrade[];
  /** wsTokens minted so far. */
  readonly tokens: string[];
  /** Server-side sockets of accepted upgrades. */
  readonly sockets: Socket[];
  readonly peers: WsPeer[];
  /** Frames seen by the actor (`<-` received, `->` sent), shortened, for failure messages. */
  readonly frames: string[];
  options: StandInOptions;
}

const rpc = (result: unknown) => ({ ok: true, result });

function mId(): string {
  const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return "M-" + Array.from(randomBytes(22), (b) => chars[b % 62]).join("");
}

function tokenOf(req: IncomingMessage): string | undefined {
  const list = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((s) => s.trim());
  const p = list.find((s) => s.startsWith("rivet_conn_params."));
  if (!p) return undefined;
  try {
    return (JSON.parse(decodeURIComponent(p.slice("rivet_conn_params.".length))) as { wsToken?: string }).wsToken;
  } catch {
    return undefined;
  }
}

/** Plays the thread actor on an accepted socket. */
function playActor(peer: WsPeer, threadId: string, reply: string, log: string[]): void {
  const send = (v: unknown) => {
    log.push(`-> ${JSON.stringify(v).slice(0, 300)}`);
    peer.send(JSON.stringify(v));
  };
  const notify = (method: string, params: unknown) => send({ jsonrpc: "2.0", method, params });
  let seq = 0;
  // The CLI's thread client waits for a first frame from the actor before it sends anything.
  notify("agent_state", { seq: 0, state: "idle" });
  peer.on("frame", (f: { opcode: number; payload: Buffer }) =>
    log.push(`<- op${f.opcode} ${f.payload.toString("utf8").slice(0, 300)}`),
  );
  peer.on("text", (text: string) => {
    if (text === "ping") return peer.send("pong");
    if (text === "pong") return;
    let msg: { id?: string | number; method?: string; params?: Record<string, any> };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.method === undefined || msg.id === undefined) return;
    send({ jsonrpc: "2.0", id: msg.id, result: {} });
    if (msg.method === "executor_connect")
      notify("executor_connected", { executorId: "E-1", registeredToolCount: 0, guidanceInventory: [] });
    if (msg.method === "client_append_user_msg") {
      const p = msg.params ?? {};
      const assistantId = mId();
      notify("message_added", {
        seq: ++seq,
        message: { threadId, role: "user", messageId: p.messageId, content: p.content, agentMode: p.agentMode },
      });
      notify("agent_state", { seq: ++seq, state: "streaming", messageId: assistantId });
      notify("message_added", {
        seq: ++seq,
        message: {
          threadId,
          role: "assistant",
          messageId: assistantId,
          content: [{ type: "text", text: reply }],
          state: { type: "complete" },
        },
      });
      notify("agent_state", { seq: ++seq, state: "idle" });
    }
  });
}

/** Starts the stand-in for one test. */
export async function startAmpStandIn(t: TestContext, options: StandInOptions = {}): Promise<AmpStandIn> {
  const requests: StandInRequest[] = [];
  const upgrades: StandInUpgrade[] = [];
  const tokens: string[] = [];
  const sockets: Socket[] = [];
  const peers: WsPeer[] = [];
  const frames: string[] = [];
  const threads = new Map<string, number>();
  const self: AmpStandIn = { url: "", port: 0, requests, upgrades, tokens, sockets, peers, frames, options };
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const url = new URL(req.url ?? "/", "http://x");
    const json = (() => {
      try {
        return JSON.parse(body);
      } catch {
        return {};
      }
    })();
    if (url.pathname === "/api/thread-actors" && req.method === "POST") {
      const threadId = json.threadId ?? `T-${randomUUID()}`;
      threads.set(threadId, (threads.get(threadId) ?? 0) + 1);
      const wsToken = `wst_${randomBytes(24).toString("hex")}`;
      tokens.push(wsToken);
      return sendJson(res, 200, {
        threadId,
        wsToken,
        ownerUserId: "user-1",
        threadVersion: threads.get(threadId),
        usesThreadActors: true,
        agentMode: json.agentMode ?? "medium",
        executorType: "local-client",
      });
    }
    if (url.pathname.startsWith("/actors/")) return sendJson(res, 200, { ok: true, path: url.pathname });
    if (url.pathname !== "/api/internal") return sendJson(res, 404, { error: "not found" });
    const name = url.search.slice(1).split("&")[0];
    switch (name) {
      case "getUserInfo":
        return sendJson(
          res,
          200,
          rpc({ id: "user-1", email: "user@example.com", username: "user", features: [], team: null }),
        );
      case "loadPlugins":
      case "loadSkills":
        return sendJson(res, 200, rpc([]));
      case "getThreadTail": {
        const id = json.params?.thread;
        return sendJson(
          res,
          200,
          rpc({
            thread: {
              data: {
                id,
                v: threads.get(id) ?? 1,
                created: Date.now(),
                agentMode: "medium",
                messages: [],
                meta: { usesThreadActors: true },
              },
            },
            messages: [],
            hasMoreBefore: false,
          }),
        );
      }
      case "getThread":
        return sendJson(res, 200, { ok: false, error: { code: "thread-not-found", message: "Thread not found" } });
      default:
        return sendJson(res, 200, rpc(null));
    }
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://x");
    const deny = (status: number, text: string) => {
      upgrades.push({ url: req.url ?? "", headers: req.headers, status });
      socket.end(
        `HTTP/1.1 ${status} Denied\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    };
    const want = self.options.rivetToken ?? PUBLISHABLE_RIVET_TOKEN;
    const got = url.searchParams.get("rvt-token");
    if (got === null) return deny(401, "missing rvt-token");
    if (got !== want) return deny(403, "invalid rvt-token");
    if (self.options.refuseUpgrade) return deny(self.options.refuseUpgrade.status, self.options.refuseUpgrade.body);
    const token = tokenOf(req);
    if (token === undefined || !tokens.includes(token)) return deny(401, "invalid wsToken");
    upgrades.push({ url: req.url ?? "", headers: req.headers, status: 101 });
    sockets.push(socket);
    if (self.options.onSocket) return self.options.onSocket(req, socket, head);
    const offered = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((s) => s.trim());
    const peer = acceptUpgrade(req, socket, head, {
      protocol: offered.includes("rivet") ? "rivet" : undefined,
      extensions: req.headers["sec-websocket-extensions"] ? self.options.extensions : undefined,
    });
    peers.push(peer);
    playActor(
      peer,
      url.searchParams.get("rvt-key") ?? "",
      self.options.reply ?? "Hello from the stand-in actor",
      frames,
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  Object.assign(self, { url: `http://127.0.0.1:${port}`, port });
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return self;
}
