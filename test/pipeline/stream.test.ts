import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import {
  collectEvents,
  mustRead,
  pumpStream,
  errorEventStatus,
  type PumpOptions,
  type PumpResult,
} from "../../src/pipeline/stream.js";
import { createStreamTranslator } from "../../src/translate/hub.js";
import { startServer } from "../support/server.js";
import { startFake } from "../support/fake-upstream.js";
import {
  compat,
  key,
  post,
  sendSse,
  CHAT_STREAM,
  CLAUDE_STREAM,
  CLIENT_KEY,
  GEMINI_STREAM,
  RESPONSES_STREAM,
} from "../providers/support.js";

type Opts = Partial<Omit<PumpOptions, "upstream" | "res" | "signal">>;

/** Runs pumpStream inside a real server over a scripted upstream; returns what the client read and the pump's result. */
async function pump(
  t: TestContext,
  chunks: string[],
  opts: Opts,
  fail?: Error,
): Promise<{ status: number; text: string; result: PumpResult; type: string | null }> {
  let result!: PumpResult;
  const server = createServer(async (_req, res) => {
    const upstream = Readable.from(
      (async function* () {
        for (const c of chunks) yield Buffer.from(c);
        if (fail) throw fail;
      })(),
    ) as unknown as IncomingMessage;
    result = await pumpStream({
      upstream,
      res,
      signal: new AbortController().signal,
      client: "openai-chat",
      host: "up.test",
      isFinal: () => true,
      keepaliveMs: 0,
      ...opts,
    });
    if (result.kind === "failed") res.writeHead(result.status).end(result.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const text = await res.text();
  return { status: res.status, text, result, type: res.headers.get("content-type") };
}

const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });

test("pumpStream() ends an Anthropic stream cut mid-way with one event: error", async (t) => {
  const out = await pump(
    t,
    CLAUDE_STREAM.slice(0, 2),
    { client: "anthropic", isFinal: (e) => e === "message_stop" },
    reset,
  );
  assert.equal(out.status, 200);
  assert.ok(out.text.startsWith(CLAUDE_STREAM.slice(0, 2).join("")));
  assert.equal(
    out.text.slice(CLAUDE_STREAM.slice(0, 2).join("").length),
    'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Upstream \\"up.test\\" failed mid-stream: ECONNRESET"}}\n\n',
  );
});

test("pumpStream() treats a clean end before the final event as a truncation", async (t) => {
  const out = await pump(t, CHAT_STREAM.slice(0, 2), { isFinal: (_e, d) => d === "[DONE]" });
  assert.match(
    out.text,
    /data: \{"error":\{"message":"Upstream \\"up\.test\\" ended the stream before completion","type":"server_error"[^\n]*\n\ndata: \[DONE\]\n\n$/,
  );
});

test("pumpStream() ends Gemini SSE and Responses streams with their dialect's error event", async (t) => {
  const gem = await pump(t, GEMINI_STREAM.slice(0, 1), { client: "gemini", isFinal: () => false }, reset);
  assert.match(
    gem.text,
    /event: error\ndata: \{"error":\{"code":502,"message":".*failed mid-stream.*","status":"INTERNAL"\}\}\n\n$/,
  );
  const resp = await pump(t, RESPONSES_STREAM.slice(0, 2), { client: "openai-responses", isFinal: () => false }, reset);
  const last = JSON.parse(resp.text.trim().split("\n").at(-1)!.slice(6));
  assert.deepEqual(
    { ...last, message: "" },
    { type: "error", code: "internal_server_error", message: "", param: null, sequence_number: 2 },
  );
});

test("pumpStream() closes a Gemini JSON array with the error object when the upstream breaks", async (t) => {
  const out = await pump(
    t,
    GEMINI_STREAM.slice(0, 1),
    { client: "gemini", jsonArray: true, isFinal: () => false },
    reset,
  );
  assert.equal(out.type, "application/json");
  const arr = JSON.parse(out.text) as Array<Record<string, unknown>>;
  assert.equal(arr.length, 2);
  assert.equal((arr[1].error as { code: number }).code, 502);
  const whole = await pump(t, GEMINI_STREAM, { client: "gemini", jsonArray: true, isFinal: () => true });
  assert.equal((JSON.parse(whole.text) as unknown[]).length, 2);
});

test("pumpStream() reports a failure before the first byte instead of answering, so it can be retried", async (t) => {
  const out = await pump(
    t,
    ['event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"busy"}}\n\n'],
    { client: "anthropic" },
  );
  assert.deepEqual(out.result, {
    kind: "failed",
    status: 529,
    body: '{"type":"error","error":{"type":"overloaded_error","message":"busy"}}',
  });
  const cut = await pump(t, [], { client: "anthropic" }, reset);
  assert.equal(cut.result.kind, "failed");
  assert.equal((cut.result as { status: number }).status, 502);
});

test("pumpStream() rewrites each JSON event and leaves [DONE] alone when a rewriter is set", async (t) => {
  const rewrite = {
    json: (b: Record<string, unknown>) => b,
    event: (d: Record<string, unknown>) => ({ ...d, model: "asked" }),
  };
  const out = await pump(t, CHAT_STREAM, { rewrite, isFinal: (_e, d) => d === "[DONE]" });
  const lines = out.text.split("\n\n").filter(Boolean);
  assert.equal(lines.length, 4);
  for (const l of lines.slice(0, 3)) assert.equal(JSON.parse(l.slice(6)).model, "asked");
  assert.equal(lines[3], "data: [DONE]");
});

test("pumpStream() translates events across dialects and drops upstream comments", async (t) => {
  const translator = createStreamTranslator("anthropic", "openai-chat", { requestModel: "m" });
  const out = await pump(t, CLAUDE_STREAM, { translator, isFinal: (e) => e === "message_stop" });
  assert.ok(!out.text.includes("ping"));
  assert.match(out.text, /"content":"hi"/);
  assert.match(out.text, /data: \[DONE\]\n\n$/);
});

test("errorEventStatus() reads statuses from error events of each dialect", () => {
  assert.equal(errorEventStatus({ data: "" }, { error: { code: 429 } }), 429);
  assert.equal(
    errorEventStatus({ event: "error", data: "" }, { type: "error", error: { type: "rate_limit_error" } }),
    429,
  );
  assert.equal(errorEventStatus({ data: "" }, { type: "response.failed", response: { error: { code: "x" } } }), 502);
  assert.equal(errorEventStatus({ data: "" }, { choices: [] }), undefined);
  // Codex's typed stream errors keep their meaning: a policy refusal is the client's 400, not a retryable 502.
  assert.equal(
    errorEventStatus(
      { data: "" },
      { type: "error", error: { type: "invalid_request", code: "cyber_policy", message: "m" } },
    ),
    400,
  );
  assert.equal(errorEventStatus({ data: "" }, { type: "error", error: {}, error_type: "usage_limit_reached" }), 429);
});

test("a stream is piped event by event: the client has event 1 before the upstream writes event 2", async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const fake = await startFake(t, async (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(CHAT_STREAM[0]);
    await released;
    for (const e of CHAT_STREAM.slice(1)) res.write(e);
    res.end();
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("a", fake.url, ["k"], [{ name: "m" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", { model: "m", stream: true, messages: [] });
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(Buffer.from(first.value!).toString(), CHAT_STREAM[0]);
  release();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
  assert.equal(rest, CHAT_STREAM.slice(1).join(""));
});

// The upstream never ends its answer, so only cliproxy aborting the request can close it. The test waits for
// events, not for the upstream close (which would hang if the abort broke): cliproxy aborts the upstream in the
// same response 'close' run that logs "client closed" (server/dispatch.ts registers the abort first), and by the
// time one more request has gone through the fake, a socket cliproxy destroyed has been seen closing there.
test("a client that goes away mid-stream closes the upstream request", async (t) => {
  let upstream: ServerResponse | undefined;
  let upstreamClosed = false;
  const fake = await startFake(t, (_r, res) => {
    if (upstream) return void res.end("later");
    upstream = res;
    res.once("close", () => (upstreamClosed = true));
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(CHAT_STREAM[0]);
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("a", fake.url, ["k"], [{ name: "m" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", { model: "m", stream: true, messages: [] });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.cancel();
  await s.logged(/POST \/v1\/chat\/completions.*client closed/);
  assert.equal(await (await fetch(`${fake.url}/later`)).text(), "later");
  assert.equal(upstreamClosed, true, "cliproxy closed the upstream request when its client went away");
  assert.equal(upstream?.writableFinished, false, "the upstream answer was cut off, not finished");
});

test("streaming.keepalive-seconds writes keep-alive comments while the upstream is quiet", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const fake = await startFake(t, async (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(CLAUDE_STREAM[0]);
    await released;
    for (const e of CLAUDE_STREAM.slice(1)) res.write(e);
    res.end();
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    streaming: { keepaliveSeconds: 5, bootstrapRetries: 0 },
    claudeApiKey: [key("ka", fake.url)],
  });
  const res = await post(s.url, "/v1/messages", {
    model: "claude-sonnet-4-5",
    stream: true,
    max_tokens: 1,
    messages: [],
  });
  const reader = res.body!.getReader();
  await reader.read();
  t.mock.timers.tick(5000);
  const ka = await reader.read();
  assert.equal(Buffer.from(ka.value!).toString(), ": keep-alive\n\n");
  release();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
  assert.ok(rest.endsWith(CLAUDE_STREAM.at(-1)!));
});

test("with no bootstrap retries left, a stream that dies before its first byte is an HTTP error in the client's dialect", async (t) => {
  const A = await startFake(t, (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
  });
  const B = await startFake(t, (_r, res) => sendSse(res, CLAUDE_STREAM));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    routing: { strategy: "fill-first", sessionAffinity: false, sessionAffinityTtlMs: 0 },
    claudeApiKey: [key("ka", A.url), key("kb", B.url)],
  });
  const res = await post(s.url, "/v1/messages", {
    model: "claude-sonnet-4-5",
    stream: true,
    max_tokens: 1,
    messages: [],
  });
  assert.equal(res.status, 529);
  assert.deepEqual(await res.json(), { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  assert.equal(B.requests.length, 0);
});

test("pumpStream() completes a final event that lacked its blank line, so the client does not drop it", async (t) => {
  const out = await pump(t, [CHAT_STREAM[0], "data: [DONE]"], { isFinal: (_e, d) => d === "[DONE]" });
  assert.equal(out.text, `${CHAT_STREAM[0]}data: [DONE]\n\n`);
});

test("collectEvents() gives up on an always-streamed answer past its size cap and closes the upstream", async () => {
  const chunks = ['data: {"a":1}\n\n', 'data: {"b":2}\n\n', 'data: {"c":3}\n\n'];
  const whole = Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;
  assert.equal((await collectEvents(whole, undefined, 45)).events.length, 3);
  const big = Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;
  await assert.rejects(collectEvents(big, undefined, 40), /event stream is larger than 40 bytes/);
  assert.equal(big.destroyed, true);
});

test("pumpStream() passes upstream comments unchanged when a rewriter is set (amp.md PR-18)", async (t) => {
  const rewrite = {
    json: (b: Record<string, unknown>) => b,
    event: (d: Record<string, unknown>) => ({ ...d, seen: true }),
  };
  const out = await pump(t, CLAUDE_STREAM, { rewrite, client: "anthropic", isFinal: (e) => e === "message_stop" });
  const pieces = out.text.split(/(?<=\n\n)/);
  assert.equal(pieces.length, CLAUDE_STREAM.length);
  assert.equal(pieces[2], ": ping\n\n");
  assert.match(pieces[3], /"seen":true/);
});

/** Counts JSON.parse calls on texts that contain `marker`, for the rest of the test. */
function countParses(t: TestContext, marker: string): () => number {
  const real = JSON.parse;
  let n = 0;
  t.mock.method(JSON, "parse", (s: string, ...rest: []) => {
    if (typeof s === "string" && s.includes(marker)) n++;
    return real(s, ...rest);
  });
  return () => n;
}

test("pumpStream() parses each event once, even when it unwraps and rewrites it", async (t) => {
  const parses = countParses(t, "marker-evt");
  const unwrap = (d: unknown) => (d as { response?: unknown }).response ?? d;
  const rewrite = {
    json: (b: Record<string, unknown>) => b,
    event: (d: Record<string, unknown>) => ({ ...d, rewritten: true }),
  };
  const chunks = ['data: {"response":{"text":"marker-evt-1"}}\n\n', 'data: {"text":"marker-evt-2"}\n\n'];
  const out = await pump(t, chunks, { unwrap, rewrite, client: "gemini" });
  assert.equal(
    out.text,
    'data: {"text":"marker-evt-1","rewritten":true}\n\ndata: {"text":"marker-evt-2","rewritten":true}\n\n',
  );
  assert.equal(parses(), 2);
});

test("collectEvents() parses each event once and hands the parsed data along with the events", async (t) => {
  const parses = countParses(t, "marker-col");
  const seen: unknown[] = [];
  const up = Readable.from([
    Buffer.from('event: a\ndata: {"m":"marker-col-1"}\n\ndata: {"m":"marker-col-2"}\n\ndata: [DONE]\n\n'),
  ]) as unknown as IncomingMessage;
  const got = await collectEvents(up, (d) => seen.push(d));
  assert.deepEqual(
    got.events.map((e) => e.event),
    ["a", undefined, undefined],
  );
  assert.deepEqual(got.data, [{ m: "marker-col-1" }, { m: "marker-col-2" }, "[DONE]"]);
  assert.deepEqual(seen, got.data);
  assert.equal(parses(), 2);
});

test("mustRead() lets plain deltas skip the parser and catches every event the pump must read", () => {
  const skip = [
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n',
    'data: {"candidates":[{"content":{"parts":[{"text":"hi"}]}}]}\n\n',
    ": keep-alive\n\n",
  ];
  const read = [
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3}}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    "data: [DONE]\n\n",
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n',
    'data: {"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"totalTokenCount":4}}\n\n',
    'data: {"promptFeedback":{"blockReason":"SAFETY"}}\n\n',
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":4}\n\n',
    'event: response.completed\ndata: {"type":"response.completed"}\n\n',
    'event: response.incomplete\ndata: {"type":"response.incomplete"}\n\n',
  ];
  for (const s of skip) assert.equal(mustRead(Buffer.from(s)), false, s);
  for (const s of read) assert.equal(mustRead(Buffer.from(s)), true, s);
});
