/** Non-stream 200 answers that are not JSON (issue 12 item 12): the same bounded 502 on pass-through and translated paths. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { ServerResponse } from "node:http";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { claudeMessage, key, post, CLIENT_KEY, CLAUDE_STREAM } from "../providers/support.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };
const CHAT = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] };

const BAD: Record<string, (res: ServerResponse) => void> = {
  sse: (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(CLAUDE_STREAM.join(""));
  },
  binary: (res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(Buffer.from([0, 1, 2, 255, 254]));
  },
  "gzip without content-encoding": (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(gzipSync(JSON.stringify(claudeMessage())));
  },
  "40 MB": (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(`{"pad":"${"x".repeat(40 * 1024 * 1024)}"}`);
  },
};

for (const [name, answer] of Object.entries(BAD)) {
  test(`a 200 answer that is ${name} is a 502 on the same-dialect pass-through and on the translated path`, async (t) => {
    const fake = await startFake(t, (_r, res) => answer(res));
    const s = await startServer(t, {
      apiKeys: [CLIENT_KEY],
      disableCooling: true,
      claudeApiKey: [key("ka", fake.url)],
    });
    const same = await post(s.url, "/v1/messages", MSG);
    const sameBody = await same.text();
    assert.equal(same.status, 502, sameBody.slice(0, 200));
    assert.match(sameBody, /127\.0\.0\.1/);
    const translated = await post(s.url, "/v1/chat/completions", CHAT);
    await translated.arrayBuffer();
    assert.equal(translated.status, 502);
  });
}

test("a JSON answer without content-type still passes through byte for byte", async (t) => {
  const body = ` ${JSON.stringify(claudeMessage())}\n`;
  const fake = await startFake(t, (_r, res) => void res.end(body));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), body);
  fake.handle((_r, r) => sendJson(r, 200, claudeMessage(), { "content-type": "application/json; charset=utf-8" }));
  assert.equal((await post(s.url, "/v1/messages", MSG)).status, 200);
});
