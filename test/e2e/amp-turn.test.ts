/**
 * One `amp -x "Say hello"` turn, request by request as the real Amp CLI sends it
 * (shared/spec/amp-cli-traffic.md), through a cliproxy started from a YAML config file, with a fake
 * ampcode.com and a fake Anthropic API. Also the full-cycle redaction check: no secret in any log line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { start } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";
import { sendJson, startFake, type Recorded } from "../support/fake-upstream.js";

const CLIENT_KEY = "ck-amp-client-key-0001";
const AMP_KEY = "amp-upstream-secret-0002";
const CLAUDE_KEY = "sk-ant-api03-fakeclaudekey0000000003";

function rpc(name: string, params: unknown = {}) {
  return {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json", "x-amp-client-type": "cli" },
    body: JSON.stringify({ method: name, params }),
  };
}

test("an Amp CLI turn: RPCs go to ampcode.com with the Amp key, Claude calls are served locally, and no secret is logged", async (t) => {
  const amp = await startFake(t, (req, res) => {
    const name = req.url.split("?")[1];
    if (name === "loadPlugins") return sendJson(res, 200, { ok: true, result: [] });
    if (name === "getThread")
      return sendJson(res, 200, { ok: false, error: { code: "thread-not-found", message: "no" } });
    sendJson(res, 200, { ok: true, result: { user: "u1", echoedAuth: req.headers.authorization } });
  });
  const claude = await startFake(t, (req, res) => {
    if (req.json?.stream) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        `event: message_start\ndata: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","model":"claude-opus-4-7","content":[],"usage":{"input_tokens":3,"output_tokens":0}}}\n\n`,
      );
      res.write(
        `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
      );
      res.write(
        `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n`,
      );
      res.write(`event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`);
      res.write(
        `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n`,
      );
      res.end(`event: message_stop\ndata: {"type":"message_stop"}\n\n`);
      return;
    }
    sendJson(res, 200, {
      id: "m0",
      type: "message",
      role: "assistant",
      model: req.json?.model,
      content: [{ type: "tool_use", id: "tu1", name: "set_title", input: { title: "Greeting" } }],
      stop_reason: "tool_use",
      usage: { input_tokens: 5, output_tokens: 2 },
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    [
      "# the user's existing CLIProxyAPI-style config",
      "host: 127.0.0.1",
      "port: 8317",
      "api-keys:",
      `  - "${CLIENT_KEY}"`,
      "claude-api-key:",
      `  - api-key: "${CLAUDE_KEY}"`,
      `    base-url: "${claude.url}"`,
      "ampcode:",
      `  upstream-url: "${amp.url}"`,
      `  upstream-api-key: "${AMP_KEY}"`,
      "",
    ].join("\n"),
  );
  const logs: string[] = [];
  const s = await start({
    configPath,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: {},
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
  });
  t.after(() => s.stop(500));
  const base = s.url;

  // 1–6: startup RPCs
  for (const name of ["getUserInfo", "getUserInfo", "loadPlugins", "getThread", "getUserFreeTierStatus", "getThread"]) {
    const res = await fetch(`${base}/api/internal?${name}`, rpc(name, name === "getThread" ? { thread: "T-1" } : {}));
    assert.equal(res.status, 200, name);
    const body = (await res.json()) as any;
    if (name === "loadPlugins") assert.deepEqual(body.result, []);
    if (name === "getThread") assert.equal(body.error.code, "thread-not-found");
  }
  // 7: thread title, non-stream, forced tool
  const anthropicHeaders = {
    "x-api-key": CLIENT_KEY,
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
    "x-amp-thread-id": "T-1",
  };
  const title = await fetch(`${base}/api/provider/anthropic/v1/messages`, {
    method: "POST",
    headers: anthropicHeaders,
    body: JSON.stringify({
      model: "claude-haiku-4-5-20251001",
      max_tokens: 60,
      tool_choice: { type: "tool", name: "set_title" },
      tools: [{ name: "set_title", input_schema: { type: "object" } }],
      messages: [{ role: "user", content: "Say hello" }],
    }),
  });
  assert.equal(title.status, 200);
  const titleBody = (await title.json()) as any;
  assert.equal(titleBody.content[0].name, "set_title");
  assert.equal(titleBody.model, "claude-haiku-4-5-20251001");
  // 8: the turn, streamed
  const turn = await fetch(`${base}/api/provider/anthropic/v1/messages`, {
    method: "POST",
    headers: { ...anthropicHeaders, "x-amp-feature": "amp.chat", "x-stainless-helper-method": "stream" },
    body: JSON.stringify({
      model: "claude-opus-4-7",
      stream: true,
      max_tokens: 32000,
      thinking: { type: "adaptive" },
      messages: [{ role: "user", content: "Say hello" }],
    }),
  });
  assert.equal(turn.status, 200);
  assert.match(turn.headers.get("content-type") ?? "", /text\/event-stream/);
  const sse = await turn.text();
  assert.match(sse, /"text":"Hello"/);
  assert.match(sse, /message_stop/);
  // 9–10: uploadThread, the large one gzip-compressed by the CLI
  const small = await fetch(
    `${base}/api/internal?uploadThread`,
    rpc("uploadThread", { thread: { id: "T-1" }, createdOnServer: false }),
  );
  assert.equal(small.status, 200);
  const bigBody = JSON.stringify({
    method: "uploadThread",
    params: { thread: { id: "T-1", text: "x".repeat(30_000) } },
  });
  const big = await fetch(`${base}/api/internal?uploadThread`, {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json", "content-encoding": "gzip" },
    body: gzipSync(bigBody),
  });
  assert.equal(big.status, 200);

  const rpcs = amp.requests.map((r: Recorded) => r.url);
  assert.deepEqual(rpcs, [
    "/api/internal?getUserInfo",
    "/api/internal?getUserInfo",
    "/api/internal?loadPlugins",
    "/api/internal?getThread",
    "/api/internal?getUserFreeTierStatus",
    "/api/internal?getThread",
    "/api/internal?uploadThread",
    "/api/internal?uploadThread",
  ]);
  for (const r of amp.requests) {
    assert.equal(r.headers.authorization, `Bearer ${AMP_KEY}`);
    assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY), "the client key never reaches ampcode.com");
  }
  const last = amp.requests[amp.requests.length - 1];
  const received =
    last.headers["content-encoding"] === "gzip"
      ? (await import("node:zlib")).gunzipSync(last.body).toString()
      : last.body.toString();
  assert.equal(received, bigBody, "the large gzip upload arrives whole");
  assert.equal(
    claude.requests.length,
    2,
    "both model calls were served by the local Claude key, spending no Amp credits",
  );
  for (const r of claude.requests) {
    assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY));
    assert.ok(JSON.stringify(r.headers).includes(CLAUDE_KEY));
  }
  assert.ok(
    logs.some((l) => /route_type=LOCAL_PROVIDER/.test(l)),
    "the routing decision is logged",
  );
  const all = logs.join("\n");
  for (const secret of [CLIENT_KEY, AMP_KEY, CLAUDE_KEY])
    assert.ok(!all.includes(secret), `log leaked ${secret.slice(0, 6)}…`);
});

test("no secret appears in logs when clients send wrong keys and upstreams echo credentials in errors", async (t) => {
  const claude = await startFake(t, (req, res) =>
    sendJson(res, 401, {
      type: "error",
      error: {
        type: "authentication_error",
        message: `invalid x-api-key ${String(req.headers["authorization"] ?? req.headers["x-api-key"])}`,
      },
    }),
  );
  const amp = await startFake(t, (req, res) =>
    sendJson(res, 500, { error: `bad token ${String(req.headers.authorization)}` }),
  );
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `api-keys: ["${CLIENT_KEY}"]\nclaude-api-key:\n  - api-key: "${CLAUDE_KEY}"\n    base-url: "${claude.url}"\nampcode:\n  upstream-url: "${amp.url}"\n  upstream-api-key: "${AMP_KEY}"\n`,
  );
  const logs: string[] = [];
  const s = await start({
    configPath,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: { AMP_API_KEY: "amp-env-secret-0004" },
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
  });
  t.after(() => s.stop(500));
  const wrong = "sk-wrong-but-secret-looking-key-0005";
  await fetch(`${s.url}/v1/messages?key=${wrong}`, { method: "POST", body: "{}" });
  await fetch(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${wrong}` } });
  const r1 = await fetch(`${s.url}/v1/messages?key=${CLIENT_KEY}`, {
    method: "POST",
    body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
  });
  await r1.text();
  const r2 = await fetch(`${s.url}/api/user?key=${CLIENT_KEY}`);
  await r2.text();
  const all = logs.join("\n");
  assert.ok(all.length > 0);
  for (const secret of [CLIENT_KEY, AMP_KEY, CLAUDE_KEY, wrong, "amp-env-secret-0004"])
    assert.ok(!all.includes(secret), `log leaked ${secret.slice(0, 8)}…:\n${all}`);
});
