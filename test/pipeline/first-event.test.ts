/**
 * Time to first event on translated streams (#17): the client's first event leaves as soon as the upstream's
 * stream starts, not with the first content. Each upstream here sends its opening event(s) and then waits
 * until the client has read its first translated event; a proxy that held the first event back (for a
 * second upstream event, a buffer or a timer) would never see the rest, and the test would time out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.js";
import { startFake } from "../support/fake-upstream.js";
import { compat, key, post, CLAUDE_STREAM, CHAT_STREAM, CLIENT_KEY } from "../providers/support.js";

/** A promise with its resolve at hand. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** Reads the stream until its first complete event, opens `g`, then reads the rest; returns both parts. */
async function readWithGate(res: Response, g: { open: () => void }): Promise<{ first: string; all: string }> {
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let first: string | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const cut = text.indexOf("\n\n");
    if (first === undefined && cut >= 0) {
      first = text.slice(0, cut);
      g.open();
    }
  }
  assert.ok(first !== undefined, "no event at all");
  return { first, all: text };
}

const CLAUDE_OPENING = CLAUDE_STREAM.slice(0, 2); // message_start, content_block_start
const CLAUDE_REST = CLAUDE_STREAM.slice(2);

async function claudeUpstream(t: Parameters<typeof startServer>[0], g: { wait: Promise<void> }) {
  return startFake(t, async (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const e of CLAUDE_OPENING) res.write(e);
    await g.wait;
    for (const e of CLAUDE_REST) res.write(e);
    res.end();
  });
}

test(
  "OpenAI chat client, Claude upstream: the role chunk arrives before the upstream sends any content",
  { timeout: 10_000 },
  async (t) => {
    const g = gate();
    const fake = await claudeUpstream(t, g);
    const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
    const res = await post(s.url, "/v1/chat/completions", {
      model: "claude-sonnet-4-5",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    const { first, all } = await readWithGate(res, g);
    assert.match(first, /^data: .*"delta":\{"role":"assistant","content":""\}/);
    assert.match(all, /"content":"hi"/);
    assert.ok(all.trimEnd().endsWith("data: [DONE]"));
  },
);

test(
  "Responses client, Claude upstream: response.created arrives before the upstream sends any content",
  { timeout: 10_000 },
  async (t) => {
    const g = gate();
    const fake = await claudeUpstream(t, g);
    const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key("ka", fake.url)] });
    const res = await post(s.url, "/v1/responses", { model: "claude-sonnet-4-5", stream: true, input: "hi" });
    const { first, all } = await readWithGate(res, g);
    assert.match(first, /^event: response\.created\n/);
    assert.match(all, /event: response\.completed\n/);
  },
);

test(
  "Anthropic client, OpenAI-compatible upstream: message_start arrives before the upstream sends any content",
  { timeout: 10_000 },
  async (t) => {
    const g = gate();
    const fake = await startFake(t, async (_r, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(CHAT_STREAM[0].replace('"content":"hi"', '"content":""'));
      await g.wait;
      res.write(CHAT_STREAM[0].replace('"role":"assistant",', ""));
      for (const e of CHAT_STREAM.slice(1)) res.write(e);
      res.end();
    });
    const s = await startServer(t, {
      apiKeys: [CLIENT_KEY],
      openaiCompatibility: [compat("local", fake.url, ["ko"], [{ name: "llama-3" }])],
    });
    const res = await post(s.url, "/v1/messages", {
      model: "llama-3",
      max_tokens: 8,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    const { first, all } = await readWithGate(res, g);
    assert.match(first, /^event: message_start\n/);
    assert.match(all, /"text":"hi"/);
    assert.match(all, /event: message_stop\n/);
  },
);
