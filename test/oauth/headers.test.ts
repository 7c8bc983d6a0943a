import test from "node:test";
import assert from "node:assert/strict";
import {
  antigravityEnvelope, applyOAuthCall, claudeOAuthHeaders, CLAUDE_CODE_SYSTEM, codeAssistUrl, geminiCliEnvelope, unwrapCodeAssist, withClaudeCodeSystem,
} from "../../src/oauth/headers.js";

const system = (body: Buffer) => JSON.parse(body.toString()).system;
const ID = { type: "text", text: CLAUDE_CODE_SYSTEM };

test("withClaudeCodeSystem() puts the Claude Code block first, keeps the client's system unchanged, and never adds it twice", () => {
  assert.deepEqual(system(withClaudeCodeSystem(Buffer.from('{"messages":[]}'))), [ID]);
  assert.deepEqual(system(withClaudeCodeSystem(Buffer.from('{"system":""}'))), [ID]);
  assert.deepEqual(system(withClaudeCodeSystem(Buffer.from('{"system":"Be terse."}'))), [ID, { type: "text", text: "Be terse." }]);
  const blocks = [{ type: "text", text: "A", cache_control: { type: "ephemeral" } }];
  assert.deepEqual(system(withClaudeCodeSystem(Buffer.from(JSON.stringify({ system: blocks })))), [ID, ...blocks]);
  const once = withClaudeCodeSystem(Buffer.from('{"system":"x"}'));
  assert.equal(withClaudeCodeSystem(once), once);
  const notJson = Buffer.from("not json");
  assert.equal(withClaudeCodeSystem(notJson), notJson);
});

test("claudeOAuthHeaders() sends the bearer, never x-api-key, appends the oauth beta once, and keeps a claude-cli User-Agent", () => {
  const h = claudeOAuthHeaders({ "x-api-key": "k", "anthropic-dangerous-direct-browser-access": "true", "anthropic-beta": "a,b", "user-agent": "curl/8" }, "sk-ant-oat01-t");
  assert.deepEqual(h, {
    authorization: "Bearer sk-ant-oat01-t", "anthropic-beta": "a,b,oauth-2025-04-20", "anthropic-version": "2023-06-01", "x-app": "cli",
    "user-agent": "claude-cli/2.1.63 (external, cli)",
  });
  const kept = claudeOAuthHeaders({ "anthropic-beta": "oauth-2025-04-20", "user-agent": "claude-cli/9 (x)" }, "t");
  assert.equal(kept["anthropic-beta"], "oauth-2025-04-20");
  assert.equal(kept["user-agent"], "claude-cli/9 (x)");
});

test("applyOAuthCall() adds the system block only to Messages calls with sk-ant-oat tokens and leaves other types alone", () => {
  const call = { url: "http://x/v1/messages/count_tokens?beta=true", headers: {}, body: Buffer.from('{"system":"s"}'), stream: false };
  assert.equal(system(applyOAuthCall(call, { type: "claude", accessToken: "sk-ant-oat01-t" }).body)[0].text, CLAUDE_CODE_SYSTEM);
  assert.equal(applyOAuthCall(call, { type: "claude", accessToken: "other-token" }).body, call.body);
  assert.equal(applyOAuthCall({ ...call, url: "http://x/v1/models" }, { type: "claude", accessToken: "sk-ant-oat01-t" }).body, call.body);
  const cx = applyOAuthCall({ ...call, headers: { originator: "mine" } }, { type: "codex", accessToken: "t", accountId: undefined });
  assert.deepEqual(cx.headers, { originator: "mine", authorization: "Bearer t" });
  assert.equal(applyOAuthCall(call, { type: "gemini", accessToken: "t" }), call);
});

test("Code Assist helpers: URLs per action, countTokens carries the request only, responses are unwrapped", () => {
  assert.equal(codeAssistUrl("http://r/", "generate"), "http://r/v1internal:generateContent");
  assert.equal(codeAssistUrl("http://r", "stream"), "http://r/v1internal:streamGenerateContent?alt=sse");
  assert.equal(codeAssistUrl("http://r", "count"), "http://r/v1internal:countTokens");
  assert.deepEqual(JSON.parse(geminiCliEnvelope(Buffer.from('{"contents":[]}'), "m", "p", "count").toString()), { request: { contents: [] } });
  assert.deepEqual(JSON.parse(antigravityEnvelope(Buffer.from('{"contents":[],"safetySettings":[1]}'), "m", "p", "count").toString()), { request: { contents: [] } });
  assert.equal(JSON.parse(antigravityEnvelope(Buffer.from("{}"), "gemini-3-pro-image", "p", "generate").toString()).requestType, "image_gen");
  assert.deepEqual(unwrapCodeAssist({ response: { candidates: [] } }), { candidates: [] });
  assert.equal(unwrapCodeAssist("[DONE]"), "[DONE]");
});
