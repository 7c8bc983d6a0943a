/**
 * The last JavaScript Amp CLI (pin "amp-js", shared/spec/amp-cli-traffic.md) still completes its turn
 * through cliproxy with the model served locally: its Anthropic calls go to a local fake Claude API
 * through cliproxy's claude-api-key, its RPCs to the stand-in with the upstream Amp key.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientBin } from "../../scripts/clients/pins.js";
import { startAmpStandIn } from "../support/amp-actor.js";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { startServer } from "../support/server.js";
import { providerKey } from "../../src/config/schema.js";
import { run } from "../support/run.js";

const CLIENT_KEY = "ck-ampjs-client-0001";
const AMP_KEY = "amp-js-upstream-0002";
const CLAUDE_KEY = "sk-ant-api03-ampjs-local-0003";

test("the last JavaScript Amp CLI completes `amp -x` with the model served by a local Claude key", async (t) => {
  const { bin, why } = clientBin("amp-js");
  if (!bin) return t.skip(why);
  const claude = await startFake(t, (req, res) => {
    if (req.json?.stream) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(
        `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"${req.json.model}","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":0}}}\n\n`,
      );
      res.write(
        `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
      );
      res.write(
        `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello from the local Claude key"}}\n\n`,
      );
      res.write(`event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`);
      res.write(
        `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":6}}\n\n`,
      );
      res.end(`event: message_stop\ndata: {"type":"message_stop"}\n\n`);
      return;
    }
    sendJson(res, 200, {
      id: "msg_0",
      type: "message",
      role: "assistant",
      model: req.json?.model,
      stop_reason: "tool_use",
      stop_sequence: null,
      content: [{ type: "tool_use", id: "toolu_1", name: "set_title", input: { title: "Greeting" } }],
      usage: { input_tokens: 5, output_tokens: 2 },
    });
  });
  const A = await startAmpStandIn(t);
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    claudeApiKey: [providerKey(CLAUDE_KEY, { baseUrl: claude.url })],
    ampcode: { upstreamUrl: A.url, upstreamApiKey: AMP_KEY },
  });
  const home = mkdtempSync(join(tmpdir(), "amp-js-home-"));
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AMP_URL: s.url,
    AMP_API_KEY: CLIENT_KEY,
    AMP_SKIP_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    TERM: "dumb",
  };
  const r = await run(process.execPath, [bin, "--no-notifications", "--no-ide", "-x", "Say hello"], env);
  const detail = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr.slice(-3000)}\namp: ${A.requests.map((q) => `${q.method} ${q.url}`).join(", ")}\nclaude: ${claude.requests.map((q) => q.json?.model).join(", ")}\nlogs:\n${s.logs.slice(-20).join("\n")}`;
  assert.equal(r.code, 0, detail);
  assert.match(r.stdout, /Hello from the local Claude key/, detail);
  assert.ok(claude.requests.length >= 1, detail);
  for (const q of claude.requests)
    assert.ok(JSON.stringify(q.headers).includes(CLAUDE_KEY), "the local Claude key served it");
  for (const q of A.requests) assert.equal(q.headers.authorization, `Bearer ${AMP_KEY}`, `${q.method} ${q.url}`);
  assert.ok(!A.requests.some((q) => q.url.startsWith("/api/provider/")), "no model call spent Amp credits");
  assert.ok(!JSON.stringify([A.requests, claude.requests.map((q) => q.headers)]).includes(CLIENT_KEY));
});
