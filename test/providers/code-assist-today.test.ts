// Outgoing Google requests as CLIProxyAPI HEAD a7e3596b7 sends them: Antigravity's user-agent and body
// clean-ups (internal/misc/antigravity_version.go, antigravity_executor_request.go), countTokens bodies
// per API (antigravity_executor_tokens.go, gemini_vertex_executor.go), Gemini CLI's envelope.
import { test } from "node:test";
import assert from "node:assert/strict";
import { antigravityRequestUserAgent, antigravityUserAgent } from "../../src/oauth/antigravity.js";
import { antigravityEnvelope, geminiCliEnvelope, stableSessionId } from "../../src/oauth/headers.js";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { key, post, CLIENT_KEY } from "./support.js";

const j = (b: Buffer) => JSON.parse(b.toString());
const REQ = {
  model: "stray",
  contents: [{ role: "user", parts: [{ text: "hello" }] }],
  safetySettings: [{ x: 1 }],
  generationConfig: { maxOutputTokens: 999, temperature: 0.2 },
  tools: [{ functionDeclarations: [{ name: "f", parametersJsonSchema: { type: "object" } }] }],
};

test("antigravityRequestUserAgent() claims antigravity/hub/2.9.1 and replaces file user-agents older than 2.9.0", () => {
  assert.equal(antigravityUserAgent(), "antigravity/hub/2.9.1 darwin/arm64");
  assert.equal(antigravityRequestUserAgent(undefined), "antigravity/hub/2.9.1 darwin/arm64");
  assert.equal(antigravityRequestUserAgent("antigravity/1.11.3 darwin/arm64"), "antigravity/hub/2.9.1 darwin/arm64");
  assert.equal(
    antigravityRequestUserAgent("antigravity/hub/2.8.9 windows/amd64"),
    "antigravity/hub/2.9.1 darwin/arm64",
  );
  assert.equal(
    antigravityRequestUserAgent("antigravity/hub/2.9.0 linux/amd64 google-api-nodejs-client/10.3.0"),
    "antigravity/hub/2.9.0 linux/amd64",
  );
  assert.equal(antigravityRequestUserAgent("antigravity/hub/3.0.2 darwin/arm64"), "antigravity/hub/3.0.2 darwin/arm64");
  assert.equal(antigravityRequestUserAgent("my-agent/1"), "my-agent/1");
});

test("antigravityEnvelope() renames parametersJsonSchema, drops maxOutputTokens for Gemini, sets VALIDATED for Claude, and keeps a stable session id", () => {
  const g = j(antigravityEnvelope(Buffer.from(JSON.stringify(REQ)), "gemini-3-flash", "p", "generate"));
  assert.deepEqual(g.request.tools[0].functionDeclarations[0], { name: "f", parameters: { type: "object" } });
  assert.deepEqual(g.request.generationConfig, { temperature: 0.2 });
  assert.equal(g.request.safetySettings, undefined);
  assert.equal(g.requestType, "agent");
  assert.equal(g.userAgent, "antigravity");
  assert.match(g.request.sessionId, /^-\d+$/);
  assert.equal(g.request.sessionId, stableSessionId({ contents: REQ.contents }));
  const again = j(antigravityEnvelope(Buffer.from(JSON.stringify(REQ)), "gemini-3-flash", "p", "generate"));
  assert.equal(again.request.sessionId, g.request.sessionId);
  const c = j(antigravityEnvelope(Buffer.from(JSON.stringify(REQ)), "claude-sonnet-4-6", "p", "generate"));
  assert.equal(c.request.toolConfig.functionCallingConfig.mode, "VALIDATED");
  assert.equal(c.request.generationConfig.maxOutputTokens, 999);
});

test("Code Assist countTokens carries the bare request (no generateContentRequest wrapper, model or safetySettings); generate drops request.model", () => {
  const wrapped = Buffer.from(
    JSON.stringify({ generateContentRequest: { model: "models/gemini-2.5-pro", contents: REQ.contents } }),
  );
  assert.deepEqual(j(antigravityEnvelope(wrapped, "gemini-3-flash", "p", "count")), {
    request: { contents: REQ.contents },
  });
  assert.deepEqual(
    j(geminiCliEnvelope(Buffer.from(JSON.stringify(REQ)), "gemini-2.5-pro", "p", "count")).request.model,
    undefined,
  );
  assert.deepEqual(j(geminiCliEnvelope(wrapped, "gemini-2.5-pro", "p", "count")), {
    request: { contents: REQ.contents },
  });
  const gen = j(geminiCliEnvelope(Buffer.from(JSON.stringify(REQ)), "gemini-2.5-pro", "p", "generate"));
  assert.equal(gen.model, "gemini-2.5-pro");
  assert.equal(gen.request.model, undefined);
});

test("Vertex countTokens: an Anthropic client's count reaches Vertex as {model, contents} without tools or generationConfig", async (t) => {
  const vx = await startFake(t, (_r, res) => sendJson(res, 200, { totalTokens: 5 }));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], vertexApiKey: [key("kv", vx.url)] });
  const res = await post(s.url, "/v1/messages/count_tokens", {
    model: "gemini-2.5-pro",
    messages: [{ role: "user", content: "hi" }],
    tools: [{ name: "t", input_schema: { type: "object" } }],
  });
  assert.deepEqual(await res.json(), { input_tokens: 5 });
  const r = await vx.nth(1);
  assert.equal(r.url, "/v1/publishers/google/models/gemini-2.5-pro:countTokens");
  assert.equal(r.json.model, "gemini-2.5-pro");
  assert.equal(r.json.generateContentRequest, undefined);
  assert.equal(r.json.tools, undefined);
  assert.equal(r.json.contents[0].parts[0].text, "hi");
});
