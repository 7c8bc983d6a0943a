/** Which key is wrong (issue 12 item 14): cliproxy's own api-keys vs a provider key the provider refused. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { compat, key, post, CLIENT_KEY } from "./support.js";

const MSG = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };
const PROVIDER_KEY = "sk-ant-provider-key-0123456789-wxyz";

test("a wrong cliproxy key says it is not one of cliproxy's api-keys and is logged at warn with the source address", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY] });
  const res = await post(s.url, "/v1/messages", MSG, { authorization: "Bearer sk-not-this-one" });
  assert.equal(res.status, 401);
  const body = (await res.json()) as { error: { type: string; message: string } };
  assert.equal(body.error.type, "authentication_error");
  assert.match(body.error.message, /^Invalid API key: the key sent is not one of cliproxy's api-keys/);
  const line = s.logs.find((l) => l.includes("client key refused"));
  assert.ok(line, s.logs.join("\n"));
  assert.match(line, /WARN/i);
  assert.match(line, /127\.0\.0\.1/);
  assert.ok(!line.includes("sk-not-this-one"));
});

test("a provider key the provider rejects is a 403 naming the provider, the key's last four and the host", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], claudeApiKey: [key(PROVIDER_KEY, fake.url)] });
  const res = await post(s.url, "/v1/messages", MSG);
  assert.equal(res.status, 403);
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.error.type, "permission_error");
  assert.match(
    body.error.message,
    new RegExp(
      `^provider claude key ending …wxyz rejected by 127\\.0\\.0\\.1:${fake.port} \\(401: invalid x-api-key\\); replace it in config\\.yaml`,
    ),
  );
  assert.ok(!body.error.message.includes(PROVIDER_KEY));
});

test("an OpenAI-compatible provider's 401 reaches an OpenAI client as a 403 in the OpenAI shape, not the provider's own 401", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 401, {
      error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" },
    }),
  );
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("groq", `${fake.url}/v1`, ["gsk-0000000000000000abcd"], [{ name: "llama-3" }])],
  });
  const res = await post(s.url, "/v1/chat/completions", {
    model: "llama-3",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(res.status, 403);
  const body = (await res.json()) as { error: { message: string; type: string } };
  assert.equal(body.error.type, "permission_error");
  assert.match(
    body.error.message,
    /^provider groq key ending …abcd rejected by 127\.0\.0\.1:\d+ \(401: Incorrect API key provided\)/,
  );
});
