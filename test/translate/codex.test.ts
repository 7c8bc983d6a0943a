import assert from "node:assert/strict";
import { test } from "node:test";
import {
  codexCallId,
  codexRequest,
  declaredToolNames,
  foldCodexEvents,
  passCodexEvent,
  refillOutput,
  restoreCodexName,
  shortToolNames,
} from "../../src/translate/codex.ts";
import {
  canTranslate,
  createStreamTranslator,
  translateResponse,
  translateStreamToResponse,
  wireOf,
} from "../../src/translate/hub.ts";

const LONG = `mcp__${"a".repeat(70)}__search`;

test("shortToolNames() keeps names that fit, shortens MCP names to their last segment, and suffixes collisions within 64", () => {
  const x1 = `${"x".repeat(70)}1`;
  const x2 = `${"x".repeat(70)}2`;
  const x3 = `${"x".repeat(70)}3`;
  const m = shortToolNames(["mcp__search", LONG, x1, x2, x3, "mcp__"]);
  assert.equal(m.get("mcp__search"), "mcp__search");
  assert.equal(m.get(LONG), "mcp__search_1"); // the short name is already declared
  assert.equal(m.get(x1), "x".repeat(64));
  assert.equal(m.get(x2), `${"x".repeat(62)}_1`);
  assert.equal(m.get(x3), `${"x".repeat(62)}_2`);
  for (const v of m.values()) assert.ok(v.length <= 64);
});

test("declaredToolNames() reads Anthropic/Responses, Chat and Gemini tool shapes", () => {
  assert.deepEqual(
    declaredToolNames({
      tools: [
        { name: "a" },
        { type: "function", function: { name: "b" } },
        { functionDeclarations: [{ name: "c" }] },
        { function_declarations: [{ name: "d" }] },
        1,
      ],
    }),
    ["a", "b", "c", "d"],
  );
  assert.deepEqual(declaredToolNames(undefined), []);
});

test("restoreCodexName() maps a shortened name back and leaves unknown names alone", () => {
  const ctx = { requestModel: "m", clientRequest: { tools: [{ name: LONG }] } };
  assert.equal(restoreCodexName("mcp__search", ctx), LONG);
  assert.equal(restoreCodexName("other", ctx), "other");
});

test("codexCallId() keeps short ids and shortens long ones deterministically", () => {
  assert.equal(codexCallId("call_1"), "call_1");
  const long = "c".repeat(80);
  assert.equal(codexCallId(long).length, 64);
  assert.equal(codexCallId(long), codexCallId(long));
  assert.match(codexCallId(long), /^c{47}_[0-9a-f]{16}$/);
});

test("codexRequest() turns system messages into developer ones, keeps priority service tier and the client's reasoning, narrows include to encrypted reasoning", () => {
  const out = codexRequest({
    input: [{ type: "message", role: "system", content: "S" }, 7],
    service_tier: "priority",
    reasoning: { effort: "high" },
    include: ["reasoning.encrypted_content", "x"],
    parallel_tool_calls: false,
    tool_choice: "none",
    tools: [{ type: "function", name: "f", parameters: { type: "object" } }, { type: "file_search" }, 1],
  });
  assert.deepEqual(out.input, [{ type: "message", role: "developer", content: "S" }, 7]);
  assert.equal(out.service_tier, "priority");
  assert.deepEqual(out.reasoning, { effort: "high", summary: "auto" });
  assert.deepEqual(out.include, ["reasoning.encrypted_content"]); // Codex rejects other include entries
  assert.equal(out.parallel_tool_calls, false);
  assert.equal(out.tool_choice, "none");
  assert.deepEqual(out.tools, [
    { type: "function", name: "f", parameters: { type: "object" } },
    { type: "file_search" },
    1,
  ]);
});

test("passCodexEvent() returns unrelated and non-JSON events as the same object", () => {
  const s = { items: [] };
  const ctx = { requestModel: "m" };
  for (const e of [
    { data: "[DONE]" },
    { data: "3" },
    { event: "response.output_text.delta", data: '{"type":"response.output_text.delta","delta":"x"}' },
  ]) {
    assert.equal(passCodexEvent(s, e, ctx), e);
  }
  const added = {
    data: JSON.stringify({ type: "response.output_item.added", output_index: 0, item: { type: "message" } }),
  };
  assert.equal(passCodexEvent(s, added, ctx), added);
});

test("refillOutput() restores names in a non-empty output and leaves a response with nothing to add untouched", () => {
  const ctx = { requestModel: "m", clientRequest: { tools: [{ type: "function", name: LONG }] } };
  const full = { output: [{ type: "function_call", name: "mcp__search" }, { type: "message" }] };
  assert.deepEqual(refillOutput(full, [], ctx), {
    output: [{ type: "function_call", name: LONG }, { type: "message" }],
  });
  const plain = { output: [{ type: "message" }] };
  assert.equal(refillOutput(plain, [], ctx), plain);
  const empty = { output: [] };
  assert.equal(refillOutput(empty, [], ctx), empty);
});

test("foldCodexEvents() is undefined for a stream that never completed", () => {
  assert.equal(
    foldCodexEvents([{ data: "x" }, { data: '{"type":"response.created","response":{}}' }], { requestModel: "m" }),
    undefined,
  );
});

test("the hub treats codex as the Responses wire: canTranslate, translateResponse restoring names, and a failed fold rendered as an error", () => {
  assert.equal(wireOf("codex"), "openai-responses");
  assert.equal(canTranslate("anthropic", "codex"), true);
  const ctx = { requestModel: "m", clientRequest: { tools: [{ type: "function", function: { name: LONG } }] } };
  const chat = translateResponse(
    "codex",
    "openai-chat",
    { output: [{ type: "function_call", call_id: "c1", name: "mcp__search", arguments: "{}" }] },
    ctx,
  ) as any;
  assert.equal(chat.choices[0].message.tool_calls[0].function.name, LONG);
  const failed = translateStreamToResponse(
    "codex",
    "anthropic",
    [{ data: '{"type":"response.created","response":{}}' }],
    ctx,
  ) as any;
  assert.equal(failed.type, "error");
  const t = createStreamTranslator("codex", "openai-responses", ctx);
  assert.deepEqual(t.end(), []);
});
