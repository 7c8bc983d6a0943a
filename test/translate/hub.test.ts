import assert from "node:assert/strict";
import { test } from "node:test";
import type { SseEvent } from "../../src/sse/read.ts";
import {
  canTranslate,
  createStreamTranslator,
  translateError,
  translateRequest,
  translateResponse,
  translateStreamToResponse,
  type Format,
} from "../../src/translate/hub.ts";
import { mask } from "./fixture-support.ts";

const FORMATS: Format[] = ["openai-chat", "openai-responses", "anthropic", "gemini"];
const ev = (data: unknown, event?: string): SseEvent => ({
  ...(event ? { event } : {}),
  data: typeof data === "string" ? data : JSON.stringify(data),
});
const parse = (events: SseEvent[]) => events.map((e) => (e.data === "[DONE]" ? e.data : JSON.parse(e.data)));

test("canTranslate() is true for every pair of the four dialects", () => {
  for (const a of FORMATS) for (const b of FORMATS) assert.equal(canTranslate(a, b), true, `${a}→${b}`);
});

test("translateRequest() rejects n > 1 and strict schemas for Anthropic with a 400", () => {
  assert.throws(() => translateRequest("openai-chat", "anthropic", { messages: [], n: 2 }, "m"), { status: 400 });
  const strict = {
    messages: [],
    response_format: { type: "json_schema", json_schema: { name: "r", schema: {}, strict: true } },
  };
  assert.throws(() => translateRequest("openai-chat", "anthropic", strict, "m"), { status: 400 });
});

test("translateRequest() strips an unknown model suffix without changing thinking", () => {
  const out = translateRequest(
    "openai-chat",
    "openai-responses",
    { messages: [{ role: "user", content: "x" }] },
    "gpt-5(foo)",
  );
  assert.equal(out.model, "gpt-5");
  assert.equal(out.reasoning, undefined);
});

test("translateResponse() returns the body untouched for the same dialect", () => {
  const body = { id: "x", anything: [1] };
  assert.equal(translateResponse("gemini", "gemini", body, { requestModel: "m" }), body);
});

test("createStreamTranslator() passes events through for the same dialect", () => {
  const t = createStreamTranslator("anthropic", "anthropic", { requestModel: "m" });
  const e = ev({ type: "ping" }, "ping");
  assert.deepEqual(t.push(e), [e]);
  assert.deepEqual(t.end(), []);
});

test("StreamTranslator.end() reports an Anthropic upstream cut off before message_stop as an error", () => {
  const t = createStreamTranslator("anthropic", "openai-chat", { requestModel: "m" });
  t.push(ev({ type: "message_start", message: { id: "msg_1" } }, "message_start"));
  t.push(ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "a" } }));
  const out = parse(t.end());
  assert.deepEqual(out.at(-1), {
    error: { message: "Upstream stream ended before completion", type: "server_error", param: null, code: null },
  });
});

test("StreamTranslator.end() closes a Chat upstream that sent finish_reason but no [DONE]", () => {
  const t = createStreamTranslator("openai-chat", "anthropic", { requestModel: "m" });
  t.push(ev({ id: "c", choices: [{ index: 0, delta: { content: "a" }, finish_reason: "length" }] }));
  const out = parse(t.end());
  assert.deepEqual(
    out.map((d) => d.type),
    ["content_block_stop", "message_delta", "message_stop"],
  );
  assert.equal(out[1].delta.stop_reason, "max_tokens");
  assert.deepEqual(t.end(), []);
});

test("StreamTranslator.end() finishes a Gemini upstream that never sent finishReason", () => {
  const t = createStreamTranslator("gemini", "openai-chat", { requestModel: "m" });
  t.push(ev({ candidates: [{ content: { parts: [{ text: "a" }] } }] }));
  const out = parse(t.end());
  assert.equal(out[0].choices[0].finish_reason, "stop");
  assert.equal(out[1], "[DONE]");
});

test("StreamTranslator.end() reports a Responses upstream cut off before completion as a 408-style error", () => {
  const t = createStreamTranslator("openai-responses", "anthropic", { requestModel: "m" });
  t.push(ev({ type: "response.created", response: { id: "resp_1" } }));
  const out = parse(t.end());
  assert.deepEqual(out.at(-1), {
    type: "error",
    error: { type: "invalid_request_error", message: "Stream disconnected before completion" },
  });
});

test("A Gemini upstream's synthetic [DONE] ends the stream once", () => {
  const t = createStreamTranslator("gemini", "anthropic", { requestModel: "m" });
  t.push(ev({ candidates: [{ content: { parts: [{ text: "a" }] } }] }));
  const out = parse(t.push(ev("[DONE]")));
  assert.deepEqual(
    out.map((d) => d.type),
    ["content_block_stop", "message_delta", "message_stop"],
  );
  assert.deepEqual(t.push(ev("[DONE]")), []);
  assert.deepEqual(t.end(), []);
});

test("An upstream error mid-stream becomes the client's error frame: Chat gets no [DONE], Gemini its error body", () => {
  const chat = createStreamTranslator("anthropic", "openai-chat", { requestModel: "m" });
  const out = parse(chat.push(ev({ type: "error", error: { type: "overloaded_error", message: "busy" } }, "error")));
  assert.deepEqual(out, [
    { error: { message: "busy", type: "server_error", param: null, code: "internal_server_error" } },
  ]);
  const gem = createStreamTranslator("openai-chat", "gemini", { requestModel: "m" });
  assert.deepEqual(parse(gem.push(ev({ error: { message: "bad", code: 400 } }))), [
    { error: { code: 400, message: "bad", status: "INVALID_ARGUMENT" } },
  ]);
  const fromGem = createStreamTranslator("gemini", "openai-responses", { requestModel: "m" });
  const r = parse(fromGem.push(ev({ error: { code: 429, message: "slow", status: "RESOURCE_EXHAUSTED" } })));
  assert.deepEqual(r, [
    { type: "error", code: "rate_limit_exceeded", message: "slow", param: null, sequence_number: 0 },
  ]);
});

test("Malformed upstream data lines are skipped rather than ending the stream", () => {
  for (const from of FORMATS.filter((f) => f !== "openai-responses")) {
    const t = createStreamTranslator(from, from === "openai-chat" ? "anthropic" : "openai-chat", { requestModel: "m" });
    assert.deepEqual(t.push(ev("{not json")), [], from);
    assert.deepEqual(t.push(ev("[1,2]")), [], from);
  }
  const r = createStreamTranslator("openai-responses", "openai-chat", { requestModel: "m" });
  assert.deepEqual(r.push(ev("nope")), []);
});

test("translateStreamToResponse() folds an Anthropic SSE body into a Chat completion (S29)", () => {
  const events = [
    ev(
      { type: "message_start", message: { id: "msg_1", usage: { input_tokens: 10, cache_read_input_tokens: 5 } } },
      "message_start",
    ),
    ev({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }),
    ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Pl" } }),
    ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "an" } }),
    ev({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "Eq" } }),
    ev({ type: "content_block_start", index: 1, content_block: { type: "text", text: "H" } }),
    ev({ type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "i" } }),
    ev({
      type: "content_block_start",
      index: 2,
      content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} },
    }),
    ev({
      type: "content_block_delta",
      index: 2,
      delta: { type: "input_json_delta", partial_json: '{"city":"Paris"}' },
    }),
    ev({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 7 } }),
    ev({ type: "message_stop" }),
  ];
  const out = mask(translateStreamToResponse("anthropic", "openai-chat", events, { requestModel: "gpt-4o" }));
  assert.deepEqual(out, {
    id: "msg_1",
    object: "chat.completion",
    created: 0,
    model: "gpt-4o",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Hi",
          refusal: null,
          reasoning_content: "Plan",
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ],
    usage: { prompt_tokens: 15, completion_tokens: 7, total_tokens: 22, prompt_tokens_details: { cached_tokens: 5 } },
  });
});

test("translateStreamToResponse() renders a stream that failed as the client's error body", () => {
  const events = [ev({ type: "response.failed", response: { error: { code: "server_error", message: "boom" } } })];
  assert.deepEqual(translateStreamToResponse("openai-responses", "anthropic", events, { requestModel: "m" }), {
    type: "error",
    error: { type: "api_error", message: "boom" },
  });
});

test("translateError() reads Gemini array bodies, plain text and unknown statuses", () => {
  assert.deepEqual(
    translateError("openai-responses", 503, '[{"error":{"code":503,"message":"down","status":"UNAVAILABLE"}}]'),
    { error: { message: "down", type: "server_error", param: null, code: null } },
  );
  assert.deepEqual(translateError("anthropic", 502, "Bad Gateway\n"), {
    type: "error",
    error: { type: "api_error", message: "Bad Gateway" },
  });
  assert.deepEqual(translateError("gemini", 418, ""), {
    error: { code: 418, message: "Upstream answered 418", status: "INVALID_ARGUMENT" },
  });
  assert.deepEqual(translateError("anthropic", 404, '{"error":"no such model"}'), {
    type: "error",
    error: { type: "not_found_error", message: "no such model" },
  });
  assert.deepEqual(translateError("openai-chat", 500, '{"error":{"code":500}}'), {
    error: { message: "Upstream answered 500", type: "server_error", param: null, code: "internal_server_error" },
  });
});
