import test from "node:test";
import assert from "node:assert/strict";
import {
  antigravityEnvelope,
  applyOAuthCall,
  codeAssistUrl,
  geminiCliEnvelope,
  unwrapCodeAssist,
} from "../../src/oauth/headers.js";

test("applyOAuthCall() ensures the bearer on Claude calls, adds Codex's account headers, and leaves other types alone", () => {
  const call = {
    url: "http://x/v1/messages/count_tokens?beta=true",
    headers: { "x-api-key": "k" },
    body: Buffer.from('{"system":"s"}'),
    stream: false,
  };
  const cl = applyOAuthCall(call, { type: "claude", accessToken: "sk-ant-oat01-t" });
  assert.deepEqual(cl.headers, { authorization: "Bearer sk-ant-oat01-t" });
  assert.equal(cl.body, call.body);
  const cx = applyOAuthCall(
    { ...call, headers: { originator: "mine" } },
    { type: "codex", accessToken: "t", accountId: undefined },
  );
  assert.deepEqual(cx.headers, { originator: "mine", authorization: "Bearer t" });
  assert.equal(applyOAuthCall(call, { type: "gemini", accessToken: "t" }), call);
});

test("Code Assist helpers: URLs per action, countTokens carries the request only, responses are unwrapped", () => {
  assert.equal(codeAssistUrl("http://r/", "generate"), "http://r/v1internal:generateContent");
  assert.equal(codeAssistUrl("http://r", "stream"), "http://r/v1internal:streamGenerateContent?alt=sse");
  assert.equal(codeAssistUrl("http://r", "count"), "http://r/v1internal:countTokens");
  assert.deepEqual(JSON.parse(geminiCliEnvelope(Buffer.from('{"contents":[]}'), "m", "p", "count").toString()), {
    request: { contents: [] },
  });
  assert.deepEqual(
    JSON.parse(antigravityEnvelope(Buffer.from('{"contents":[],"safetySettings":[1]}'), "m", "p", "count").toString()),
    { request: { contents: [] } },
  );
  assert.equal(
    JSON.parse(antigravityEnvelope(Buffer.from("{}"), "gemini-3-pro-image", "p", "generate").toString()).requestType,
    "image_gen",
  );
  assert.deepEqual(unwrapCodeAssist({ response: { candidates: [] } }), { candidates: [] });
  assert.equal(unwrapCodeAssist("[DONE]"), "[DONE]");
});
