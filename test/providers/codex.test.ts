import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCodexRequest, codexFailureStatus, uuidV5, CODEX_USER_AGENT } from "../../src/providers/codex.js";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { cred, input, key, post, sendSse, CLIENT_KEY, RESPONSES_STREAM } from "./support.js";

test("buildCodexRequest() forces stream, fills instructions and drops fields the backend rejects", () => {
  const out = buildCodexRequest(
    input(
      cred("codex", { baseUrl: "http://h/v1/" }),
      {
        model: "fast",
        input: "hi",
        instructions: null,
        previous_response_id: "r",
        prompt_cache_retention: "24h",
        safety_identifier: "s",
        stream_options: {},
      },
      { upstreamModel: "gpt-5" },
    ),
  );
  assert.equal(out.url, "http://h/v1/responses");
  assert.equal(out.stream, true);
  assert.deepEqual(JSON.parse(out.body.toString()), {
    model: "gpt-5",
    stream: true,
    instructions: "",
    input: "hi",
    tools: [{ type: "image_generation", output_format: "png" }],
  });
});

// CLIProxyAPI HEAD a7e3596b7 codex_executor_request.go ensureImageGenerationTool and helps/payload_helpers.go shouldStripImageGeneration.
test("Codex image_generation tool as HEAD: added unless present, lite, spark or free plan; stripped by disable-image-generation true/chat; passthrough untouched", () => {
  const IMG = { type: "image_generation", output_format: "png" };
  const fn = { type: "function", name: "f", parameters: {} };
  const body = (
    json: Record<string, unknown>,
    opts: Record<string, unknown> = {},
    config: Record<string, unknown> = {},
  ) => {
    const i = input(cred("codex", { baseUrl: "http://h" }), { model: "gpt-5", input: "x", ...json }, opts);
    return JSON.parse(
      buildCodexRequest({
        ...i,
        token: opts.token as never,
        config: { ...i.config, ...config } as typeof i.config,
      }).body.toString(),
    );
  };
  assert.deepEqual(body({ tools: [fn] }).tools, [fn, IMG]);
  assert.deepEqual(body({ tools: [{ type: "image_generation", model: "gpt-image-2" }] }).tools, [
    { type: "image_generation", model: "gpt-image-2" },
  ]);
  const ns = { type: "namespace", name: "image_gen", tools: [{ type: "function", name: "imagegen" }] };
  assert.deepEqual(body({ tools: [ns] }).tools, [ns], "Codex's own image_gen namespace counts");
  assert.equal(body({}, { headers: { "x-openai-internal-codex-responses-lite": "true" } }).tools, undefined);
  assert.equal(
    body({ client_metadata: { ws_request_header_x_openai_internal_codex_responses_lite: "true" } }).tools,
    undefined,
  );
  assert.equal(body({}, { upstreamModel: "gpt-5.3-codex-spark" }).tools, undefined);
  const free = `x.${Buffer.from(JSON.stringify({ "https://api.openai.com/auth": { chatgpt_plan_type: "free" } })).toString("base64url")}.s`;
  assert.equal(
    body({}, { token: { type: "codex", accessToken: "t", raw: { id_token: free } } }).tools,
    undefined,
    "free plan: no image tool",
  );
  for (const mode of [true, "chat"]) {
    const out = body(
      { tools: [fn, IMG], tool_choice: { type: "image_generation" } },
      {},
      { disableImageGeneration: mode },
    );
    assert.deepEqual(out.tools, [fn]);
    assert.equal(out.tool_choice, undefined);
  }
  assert.deepEqual(body({ tools: [fn] }, {}, { disableImageGeneration: true }).tools, [fn]);
  const pass = body(
    { tools: [fn, IMG], tool_choice: "image_generation" },
    {},
    { disableImageGeneration: "passthrough" },
  );
  assert.deepEqual([pass.tools, pass.tool_choice], [[fn, IMG], "image_generation"]);
  assert.equal(body({}, {}, { disableImageGeneration: "passthrough" }).tools, undefined);
});

test("buildCodexRequest() forces codex-tui/0.146.0 and Originator over the client's, copying the client's Codex headers (HEAD applyCodexCloakingHeaders)", () => {
  const out = buildCodexRequest(
    input(
      cred("codex", { baseUrl: "http://h", headers: { "user-agent": "mine/1" } }),
      { model: "gpt-5", input: "x", stream: true, instructions: "i" },
      {
        headers: {
          version: "0.1",
          "x-codex-turn-metadata": "m",
          "x-client-request-id": "c",
          "user-agent": "codex_cli_rs/1",
          originator: "other",
        },
      },
    ),
  );
  assert.equal(out.headers.authorization, "Bearer k-123");
  assert.equal(out.headers["user-agent"], CODEX_USER_AGENT);
  assert.match(CODEX_USER_AGENT, /^codex-tui\/0\.146\.0 /);
  assert.equal(out.headers.originator, "codex-tui");
  assert.equal(out.headers["chatgpt-account-id"], undefined);
  assert.equal(out.headers.version, "0.1");
  assert.equal(out.headers["x-codex-turn-metadata"], "m");
  assert.equal(out.headers["x-client-request-id"], "c");
});

test("buildCodexRequest() sends prompt_cache_key and the same Session-Id: the client's, else one per Claude Code session and model, else one per client key", () => {
  const own = buildCodexRequest(
    input(cred("codex", { baseUrl: "http://h" }), { model: "gpt-5", input: "x", prompt_cache_key: "pk-1" }),
  );
  assert.equal(own.headers["session-id"], "pk-1");
  assert.equal(JSON.parse(own.body.toString()).prompt_cache_key, "pk-1");
  const responses = (i: ReturnType<typeof input>) => ({
    ...i,
    call: { ...i.call, endpoint: "openai-responses" as const },
  });
  const byKey = buildCodexRequest(
    responses(
      input(
        cred("codex", { baseUrl: "http://h" }),
        { model: "gpt-5", input: "x" },
        { headers: { authorization: "Bearer sk-client" } },
      ),
    ),
  );
  // Go: uuid.NewSHA1(uuid.NameSpaceOID, "cli-proxy-api:codex:prompt-cache:sk-client").
  assert.equal(byKey.headers["session-id"], uuidV5("cli-proxy-api:codex:prompt-cache:sk-client"));
  assert.equal(JSON.parse(byKey.body.toString()).prompt_cache_key, byKey.headers["session-id"]);
  assert.equal(uuidV5("www.example.com").length, 36);
  assert.match(uuidV5("x"), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const none = buildCodexRequest(
    responses(input(cred("codex", { baseUrl: "http://h" }), { model: "gpt-5", input: "x" })),
  );
  assert.equal(none.headers["session-id"], undefined);
  const cc = (session: string) =>
    buildCodexRequest(
      input(
        cred("codex", { baseUrl: "http://h" }),
        { model: "gpt-5", input: "x" },
        { headers: { "x-claude-code-session-id": session } },
      ),
    ).headers["session-id"];
  assert.equal(cc("s-1"), cc("s-1"));
  assert.notEqual(cc("s-1"), cc("s-2"));
});

test("POST /v1/responses with stream: true passes Codex events through unchanged but refills response.completed's empty output (S30)", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, RESPONSES_STREAM));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], codexApiKey: [key("kc", fake.url)] });
  const res = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi", stream: true });
  const text = await res.text();
  const head = RESPONSES_STREAM.slice(0, -1).join("");
  assert.equal(text.slice(0, head.length), head);
  const completed = JSON.parse(text.slice(head.length).split("\ndata: ")[1]);
  const done = JSON.parse(RESPONSES_STREAM[2].split("\ndata: ")[1]);
  assert.deepEqual(completed.response.output, [done.item]);
});

test("POST /v1/responses answers an upstream response.failed event with its error, and a cut stream with 408", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendSse(res, [
      'event: response.failed\ndata: {"type":"response.failed","response":{"error":{"code":"server_error","message":"nope"}}}\n\n',
    ]),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], disableCooling: true, codexApiKey: [key("kc", fake.url)] });
  const failed = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(failed.status, 502);
  fake.handle((_r, res) => sendSse(res, RESPONSES_STREAM.slice(0, 2)));
  const cut = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(cut.status, 408);
  assert.match(
    ((await cut.json()) as { error: { message: string } }).error.message,
    /stream disconnected before completion/,
  );
});

test("POST /v1/responses returns a Codex 4xx error body unchanged to the OpenAI client", async (t) => {
  const body = { error: { message: "bad input", type: "invalid_request_error", param: "input", code: null } };
  const fake = await startFake(t, (_r, res) => sendJson(res, 400, body));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], codexApiKey: [key("kc", fake.url)] });
  const res = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), body);
});

test("a Codex 'model is at capacity' answer counts as a 429, and other failures keep their status", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 503, { error: { message: "Selected model is at capacity. Please try a different model." } }),
  );
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], codexApiKey: [key("kc", fake.url)] });
  const res = await post(s.url, "/v1/responses", { model: "gpt-5", input: "hi" });
  assert.equal(res.status, 429);
  assert.equal(codexFailureStatus(500, "boom"), 500);
});

test("a Chat client on a Codex key gets the folded answer, or 408 when the stream never completed", async (t) => {
  const fake = await startFake(t, (_r, res) => sendSse(res, RESPONSES_STREAM));
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], disableCooling: true, codexApiKey: [key("kc", fake.url)] });
  const ok = await post(s.url, "/v1/chat/completions", { model: "gpt-5", messages: [{ role: "user", content: "hi" }] });
  const body = (await ok.json()) as { object: string; choices: Array<{ message: { content: string } }> };
  assert.equal(body.object, "chat.completion");
  assert.equal(body.choices[0].message.content, "hi");
  fake.handle((_r, res) => sendSse(res, RESPONSES_STREAM.slice(0, 2)));
  const cut = await post(s.url, "/v1/chat/completions", {
    model: "gpt-5",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(cut.status, 408);
});
