/** Provider-call timeouts (issue 12 item 3): no response head, or silence mid-answer, end in the client's dialect and abort the upstream. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { claudeMessage, compat, key, post, CLIENT_KEY } from "./support.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };

/** Reads a whole response body as text. */
async function text(res: Response): Promise<string> {
  return res.text();
}

test("a provider that accepts and never answers gets 504 in the client's dialect and the upstream request is aborted", async (t) => {
  const fake = await startFake(t, () => undefined); // never answers
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    upstreamResponseTimeoutMs: 50,
    claudeApiKey: [key("ka", fake.url)],
  });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 504);
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "timeout_error");
  assert.match(body.error.message, /sent no response within 50 ms; raise upstream-response-timeout/);
  assert.match(body.error.message, new RegExp(`127\\.0\\.0\\.1:${fake.port}`));
  await (
    await fake.nth(1)
  ).closed; // the upstream request was torn down
  // The server keeps serving: the next request, answered, is a 200.
  fake.handle((_r, r) => sendJson(r, 200, claudeMessage()));
  s.setConfig({ apiKeys: [CLIENT_KEY], claudeApiKey: [key("kb", fake.url)] });
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
});

test("an OpenAI-dialect client gets the 504 head timeout in the OpenAI shape", async (t) => {
  const fake = await startFake(t, () => undefined);
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    upstreamResponseTimeoutMs: 40,
    openaiCompatibility: [compat("local", `${fake.url}/v1`, ["ko"], [{ name: "llama-3" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "llama-3",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(res.status, 504);
  const body = (await res.json()) as { error: { message: string } };
  assert.match(body.error.message, /upstream-response-timeout/);
});

test("a stream that goes silent after its first event ends with a timeout error event and the upstream is aborted", async (t) => {
  const fake = await startFake(t, (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
    );
    // then nothing, forever
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    upstreamIdleTimeoutMs: 60,
    claudeApiKey: [key("ka", fake.url)],
  });
  const res = await post(s.url, "/v1/messages", { ...MSG, stream: true });
  assert.equal(res.status, 200);
  const out = await text(res); // ends: the proxy closed the stream
  assert.match(out, /event: message_start/);
  assert.match(
    out,
    /event: error\ndata: \{"type":"error","error":\{"type":"timeout_error","message":"Upstream \\"127\.0\.0\.1:\d+\\" sent nothing for 60 ms; raise upstream-idle-timeout/,
  );
  await (
    await fake.nth(1)
  ).closed;
});

test("a stream translated to OpenAI chat that goes silent ends with an error chunk and [DONE]", async (t) => {
  const fake = await startFake(t, (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
    );
    res.write(
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    );
    res.write(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
    );
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    upstreamIdleTimeoutMs: 60,
    claudeApiKey: [key("ka", fake.url)],
  });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "claude-sonnet-4-5",
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
  const out = await text(res);
  assert.match(out, /upstream-idle-timeout/);
  assert.match(out, /data: \[DONE\]\n\n$/);
  await (
    await fake.nth(1)
  ).closed;
});

test("a non-stream answer whose body stalls after the head is a 504, and a silent stream before any event is a 504 too", async (t) => {
  const fake = await startFake(t, (r, res) => {
    res.writeHead(200, { "content-type": r.json?.stream ? "text/event-stream" : "application/json" });
    res.write(r.json?.stream ? ": ping\n\n" : "{");
  });
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    upstreamIdleTimeoutMs: 50,
    disableCooling: true,
    claudeApiKey: [key("ka", fake.url)],
  });
  const plain = await post(s.url, "/v1/messages", MSG);
  assert.equal(plain.status, 504);
  assert.match(((await plain.json()) as { error: { message: string } }).error.message, /upstream-idle-timeout/);
  const streamed = await post(s.url, "/v1/messages", { ...MSG, stream: true });
  assert.equal(streamed.status, 504);
  assert.match(await streamed.text(), /upstream-idle-timeout/);
});

test("a hot reload of upstream-response-timeout applies to the next request", async (t) => {
  const fake = await startFake(t, () => undefined);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  s.setConfig({ apiKeys: [CLIENT_KEY], upstreamResponseTimeoutMs: 30, claudeApiKey: [key("ka", fake.url)] });
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 504);
});
