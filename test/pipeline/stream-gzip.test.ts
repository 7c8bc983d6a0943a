import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, get, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { collectEvents, pumpStream } from "../../src/pipeline/stream.js";
import { createStreamTranslator } from "../../src/translate/hub.js";

const CLAUDE_SSE = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":3}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join("");

/** A real upstream answering with a gzip-encoded event stream; resolves to the response as a client sees it. */
async function gzippedUpstream(t: TestContext): Promise<IncomingMessage> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" }).end(gzipSync(CLAUDE_SSE));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return new Promise((resolve, reject) =>
    get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, resolve).on("error", reject),
  );
}

test("pumpStream() decodes a gzip-encoded upstream event stream before translating it", async (t) => {
  const upstream = await gzippedUpstream(t);
  const server = createServer(async (_req, res) => {
    const translator = createStreamTranslator("anthropic", "openai-chat", { requestModel: "m" });
    const result = await pumpStream({
      upstream,
      res,
      signal: new AbortController().signal,
      client: "openai-chat",
      host: "up.test",
      translator,
      isFinal: (e) => e === "message_stop",
      keepaliveMs: 0,
    });
    if (result.kind === "failed") res.writeHead(result.status).end(result.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /"content":"hi"/);
  assert.match(text, /data: \[DONE\]\n\n$/);
});

test("collectEvents() decodes a gzip-encoded upstream event stream", async (t) => {
  const { events } = await collectEvents(await gzippedUpstream(t));
  assert.deepEqual(
    events.map((e) => e.event),
    [
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ],
  );
});
