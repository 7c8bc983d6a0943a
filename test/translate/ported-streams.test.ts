/** Stream cases ported from CLIProxyAPI's translator tests (a7e3596b7); see ported-support.ts. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { translateResponse, translateStreamToResponse } from "../../src/translate/hub.ts";
import type { Json } from "../../src/translate/ir.ts";
import { at, streamCases, type StreamCase } from "./ported-support.ts";

const CR = "internal/translator/codex/claude/codex_claude_response_test.go";
const RR = "internal/translator/claude/openai/responses/claude_openai-responses_response_test.go";
const OR = "internal/translator/claude/openai/chat-completions/claude_openai_response_test.go";
type Out = Array<{ event?: string; data: Json | string }>;
const datas = (out: Out) => out.map((o) => o.data).filter((d): d is Json => typeof d === "object");
const ofType = (out: Out, type: string) => datas(out).filter((d) => d.type === type);
const sigDeltas = (out: Out) =>
  ofType(out, "content_block_delta").filter((d) => at(d, "delta.type") === "signature_delta");
const stopReason = (out: Out) => at(ofType(out, "message_delta")[0], "delta.stop_reason");
const codex = (type: string, rest: Json = {}): [undefined, Json] => [undefined, { type, ...rest }];
const completed = (response: Json = {}) =>
  codex("response.completed", { response: { usage: { input_tokens: 1, output_tokens: 1 }, ...response } });

export const STREAM_CASES: StreamCase[] = [
  // 9. Codex → Claude thinking signatures.
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamThinkingIncludesSignature`,
    client: "anthropic",
    upstream: "codex",
    events: [
      codex("response.created", { response: { id: "resp_123", model: "gpt-5" } }),
      codex("response.reasoning_summary_part.added"),
      codex("response.reasoning_summary_text.delta", { delta: "Let me think" }),
      codex("response.reasoning_summary_part.done"),
      codex("response.output_item.done", { item: { type: "reasoning", encrypted_content: "enc_sig_123" } }),
    ],
    check: (out) => {
      assert.ok(ofType(out, "content_block_start").some((d) => at(d, "content_block.type") === "thinking"));
      assert.deepEqual(
        sigDeltas(out).map((d) => at(d, "delta.signature")),
        ["enc_sig_123"],
      );
      assert.ok(ofType(out, "content_block_stop").length > 0);
    },
    differs:
      'the thinking content_block_start carries signature:"" (spec §3.2 rule 1: @anthropic-ai/sdk\'s ThinkingBlock requires it)',
  },
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamThinkingUsesEarlyCapturedSignatureWhenDoneOmitsIt`,
    client: "anthropic",
    upstream: "codex",
    events: [
      codex("response.output_item.added", { item: { type: "reasoning", encrypted_content: "enc_sig_early" } }),
      codex("response.reasoning_summary_part.added"),
      codex("response.reasoning_summary_text.delta", { delta: "Let me think" }),
      codex("response.output_item.done", { item: { type: "reasoning" } }),
    ],
    check: (out) =>
      assert.deepEqual(
        sigDeltas(out).map((d) => at(d, "delta.signature")),
        ["enc_sig_early"],
      ),
  },
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamThinkingUsesFinalDoneSignature`,
    client: "anthropic",
    upstream: "codex",
    events: [
      codex("response.output_item.added", { item: { type: "reasoning", encrypted_content: "enc_sig_initial" } }),
      codex("response.reasoning_summary_part.added"),
      codex("response.reasoning_summary_text.delta", { delta: "Let me think" }),
      codex("response.reasoning_summary_part.done"),
      codex("response.output_item.done", { item: { type: "reasoning", encrypted_content: "enc_sig_final" } }),
    ],
    check: (out) => {
      assert.deepEqual(
        sigDeltas(out).map((d) => at(d, "delta.signature")),
        ["enc_sig_final"],
      );
      const order = datas(out).flatMap((d) =>
        d.type === "content_block_start" && at(d, "content_block.type") === "thinking"
          ? ["thinking_start"]
          : d.type === "content_block_delta"
            ? [String(at(d, "delta.type"))]
            : d.type === "content_block_stop" && d.index === 0
              ? ["thinking_stop"]
              : [],
      );
      assert.deepEqual(order, ["thinking_start", "thinking_delta", "signature_delta", "thinking_stop"]);
    },
  },
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamSignatureOnlyReasoningEmitsThinkingSignature`,
    client: "anthropic",
    upstream: "codex",
    events: [
      codex("response.created", { response: { id: "resp_123" } }),
      codex("response.output_item.added", { item: { type: "reasoning", encrypted_content: "enc_sig_initial" } }),
      codex("response.output_item.done", { item: { type: "reasoning", encrypted_content: "enc_sig_only" } }),
      codex("response.content_part.added"),
      codex("response.output_text.delta", { delta: "ok" }),
    ],
    check: (out) => {
      const thinking = ofType(out, "content_block_start").find((d) => at(d, "content_block.type") === "thinking");
      assert.equal(thinking?.index, 0);
      assert.equal(
        ofType(out, "content_block_delta").some((d) => at(d, "delta.type") === "thinking_delta"),
        false,
      );
      assert.deepEqual(
        sigDeltas(out).map((d) => [d.index, at(d, "delta.signature")]),
        [[0, "enc_sig_only"]],
      );
      assert.equal(ofType(out, "content_block_start").find((d) => at(d, "content_block.type") === "text")?.index, 1);
    },
  },
  // 10. Codex stream errors keep their type.
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamCyberPolicyError`,
    client: "anthropic",
    upstream: "codex",
    events: [
      codex("error", {
        error: {
          type: "invalid_request",
          code: "cyber_policy",
          message: "This content was flagged for possible cybersecurity risk.",
          param: null,
        },
        sequence_number: 3,
      }),
    ],
    check: (out) => {
      const err = out.find((o) => o.event === "error");
      assert.deepEqual(err?.data, {
        type: "error",
        error: { type: "invalid_request_error", message: "This content was flagged for possible cybersecurity risk." },
      });
    },
  },
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamErrorTypeFallbackMessage`,
    client: "anthropic",
    upstream: "codex",
    events: [codex("error", { error: {}, error_type: "overloaded_error" })],
    check: (out) =>
      assert.deepEqual(out.find((o) => o.event === "error")?.data, {
        type: "error",
        error: { type: "overloaded_error", message: "overloaded_error" },
      }),
  },
  // Stop reasons.
  ...[
    ["Stop maps to end_turn", [completed({ stop_reason: "stop" })], "end_turn"],
    [
      "Incomplete max output maps to max_tokens",
      [codex("response.incomplete", { response: { incomplete_details: { reason: "max_output_tokens" } } })],
      "max_tokens",
    ],
    [
      "Tool call wins over stop",
      [
        codex("response.output_item.added", { item: { type: "function_call", call_id: "call_1", name: "lookup" } }),
        completed({ stop_reason: "stop" }),
      ],
      "tool_use",
    ],
    [
      "Content filter maps to Claude refusal",
      [codex("response.incomplete", { response: { incomplete_details: { reason: "content_filter" } } })],
      "refusal",
    ],
  ].map(([name, events, want]): StreamCase => ({
    from: `${CR} TestConvertCodexResponseToClaude_StreamStopReasonMapping/${String(name)}`,
    client: "anthropic",
    upstream: "codex",
    clientRequest: { tools: [{ name: "lookup", input_schema: { type: "object", properties: {} } }] },
    events: events as StreamCase["events"],
    check: (out) => assert.equal(stopReason(out), want),
  })),
  {
    from: `${CR} TestConvertCodexResponseToClaude_StreamStopSequenceMapping`,
    client: "anthropic",
    upstream: "codex",
    events: [completed({ stop_reason: "stop", stop_sequence: "\nEND" })],
    check: (out) => {
      assert.equal(stopReason(out), "stop_sequence");
      assert.equal(at(ofType(out, "message_delta")[0], "delta.stop_sequence"), "\nEND");
    },
  },
  // 13. The first event goes out with the upstream's first event.
  {
    from: "issue #15 item 13 (first event): Codex response.created → Claude message_start",
    client: "anthropic",
    upstream: "codex",
    events: [codex("response.created", { response: { id: "resp_1" } })],
    check: (out) => assert.equal(out[0]?.event, "message_start"),
  },
  {
    from: "issue #15 item 13 (first event): Claude message_start → Chat role chunk",
    client: "openai-chat",
    upstream: "anthropic",
    events: [["message_start", { type: "message_start", message: { id: "msg_1", usage: { input_tokens: 3 } } }]],
    check: (out) => assert.deepEqual(at(out[0]?.data, "choices.0.delta"), { role: "assistant", content: "" }),
  },
  {
    from: "issue #15 item 13 (first event): Chat role chunk → Responses response.created",
    client: "openai-responses",
    upstream: "openai-chat",
    events: [[undefined, { id: "c1", choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }]],
    check: (out) => assert.equal(out[0]?.event, "response.created"),
  },
  // 1. Claude thinking reaches Responses clients with its signature.
  {
    from: `${RR} (reasoning item carries Claude's signature as encrypted_content)`,
    client: "openai-responses",
    upstream: "anthropic",
    events: [
      ["message_start", { type: "message_start", message: { id: "msg_1", usage: { input_tokens: 3 } } }],
      [
        "content_block_start",
        { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Plan" } },
      ],
      [
        "content_block_delta",
        { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "EqX" } },
      ],
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }],
      ["message_stop", { type: "message_stop" }],
    ],
    check: (out) => {
      const done = ofType(out, "response.output_item.done").find((d) => at(d, "item.type") === "reasoning");
      assert.equal(at(done, "item.encrypted_content"), "EqX");
      assert.equal(at(done, "item.summary.0.text"), "Plan");
    },
  },
  // 8. Claude → Chat stream text.
  {
    from: `${OR} (text deltas become content chunks in order)`,
    client: "openai-chat",
    upstream: "anthropic",
    events: [
      ["message_start", { type: "message_start", message: { id: "msg_1", usage: { input_tokens: 3 } } }],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "pre" } }],
      ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "post" } }],
      ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }],
      ["message_stop", { type: "message_stop" }],
    ],
    check: (out) => {
      assert.deepEqual(
        datas(out).flatMap((d) => {
          const c = at(d, "choices.0.delta.content");
          return typeof c === "string" && c !== "" ? [c] : [];
        }),
        ["pre", "post"],
      );
      assert.equal(out[out.length - 1]?.data, "[DONE]");
    },
  },
];

streamCases(STREAM_CASES);

const claudeStream = (stop: string): StreamCase["events"] => [
  ["message_start", { type: "message_start", message: { id: "msg_123", model: "claude-opus-4-6" } }],
  ["message_delta", { type: "message_delta", delta: { stop_reason: stop }, usage: { output_tokens: 10 } }],
  ["message_stop", { type: "message_stop" }],
];
streamCases(
  ["refusal", "sensitive"].map((stop): StreamCase => ({
    from: `${OR} TestConvertClaudeResponseToOpenAI_RefusalStopReason/${stop} maps to content_filter`,
    client: "openai-chat",
    upstream: "anthropic",
    events: claudeStream(stop),
    check: (out) => assert.ok(datas(out).some((d) => at(d, "choices.0.finish_reason") === "content_filter")),
  })),
);

// Non-stream: the same upstream stream folded into one client response.
test(`${OR} TestConvertClaudeResponseToOpenAINonStream_RefusalStopReason/sensitive maps to content_filter`, () => {
  const out = translateStreamToResponse(
    "anthropic",
    "openai-chat",
    claudeStream("sensitive").map(([event, d]) => ({ ...(event ? { event } : {}), data: JSON.stringify(d) })),
    { requestModel: "m" },
  );
  assert.equal(at(out, "choices.0.finish_reason"), "content_filter");
});

test(`${OR} TestConvertClaudeResponseToOpenAINonStream_ReasoningContent`, () => {
  const sse = [
    { type: "message_start", message: { id: "msg_123", model: "claude-opus-4-6" } },
    { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
    {
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "Let me analyze the problem." },
    },
    { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: " Step 2 is clear." } },
    { type: "content_block_stop", index: 0 },
    { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
    { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Here is the solution." } },
    { type: "content_block_stop", index: 1 },
    { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { input_tokens: 10, output_tokens: 20 } },
  ].map((d) => ({ event: d.type, data: JSON.stringify(d) }));
  const out = translateStreamToResponse("anthropic", "openai-chat", sse, { requestModel: "m" });
  assert.equal(at(out, "choices.0.message.reasoning_content"), "Let me analyze the problem. Step 2 is clear.");
  assert.equal(at(out, "choices.0.message.reasoning"), undefined);
  assert.equal(at(out, "choices.0.message.content"), "Here is the solution.");
});

const chunk = (delta: Json, finish?: string): [undefined, Json] => [
  undefined,
  { id: "c", choices: [{ index: 0, delta, ...(finish ? { finish_reason: finish } : {}) }] },
];
streamCases([
  {
    from: "internal/translator/openai/claude/openai_claude_response_test.go (a call without an id gets a toolu_ id toward Claude clients; issue #15 long tail)",
    client: "anthropic",
    upstream: "openai-chat",
    events: [
      chunk({ tool_calls: [{ index: 0, function: { name: "f", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      [undefined, "[DONE]"],
    ],
    check: (out) => assert.match(String(at(ofType(out, "content_block_start")[0], "content_block.id")), /^toolu_/),
  },
  {
    from: "internal/translator/openai/claude/openai_claude_response_test.go (nothing after [DONE] is forwarded; issue #15 long tail)",
    client: "anthropic",
    upstream: "openai-chat",
    events: [chunk({ content: "a" }), chunk({}, "stop"), [undefined, "[DONE]"], chunk({ content: "late" })],
    check: (out) => {
      assert.equal(
        datas(out).some((d) => JSON.stringify(d).includes("late")),
        false,
      );
      assert.equal(at(out[out.length - 1], "data.type"), "message_stop");
    },
  },
]);

test("internal/translator/openai/claude/openai_claude_response_test.go (non-stream: tool calls ordered by their index, not by arrival; issue #15 long tail)", () => {
  const events = [
    chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: "{}" } }] }),
    chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "{}" } }] }),
    chunk({}, "tool_calls"),
    [undefined, "[DONE]"] as [undefined, string],
  ];
  const out = translateStreamToResponse(
    "openai-chat",
    "anthropic",
    events.map(([, d]) => ({ data: typeof d === "string" ? d : JSON.stringify(d) })),
    { requestModel: "m" },
  );
  assert.deepEqual(
    (at(out, "content") as Json[]).map((b) => b.id),
    ["a", "b"],
  );
});

const RRN = "internal/translator/claude/openai/responses/claude_openai-responses_response_test.go";
const redacted = [
  { type: "message_start", message: { id: "msg_123", usage: { input_tokens: 1, output_tokens: 0 } } },
  { type: "content_block_start", index: 0, content_block: { type: "redacted_thinking", data: "EroBCkYIBRgCKkA" } },
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } },
  { type: "message_stop" },
].map((d) => ({ event: d.type, data: JSON.stringify(d) }));

test(`${RRN} TestConvertClaudeResponseToOpenAIResponsesNonStream_RedactedThinkingBecomesMarkedReasoningItem`, () => {
  const out = translateStreamToResponse("anthropic", "openai-responses", redacted, { requestModel: "m" });
  assert.equal(at(out, "output.0.type"), "reasoning");
  assert.equal(at(out, "output.0.encrypted_content"), "claude-redacted-thinking:EroBCkYIBRgCKkA");
});

streamCases([
  {
    from: `${RRN} TestConvertClaudeResponseToOpenAIResponses_RedactedThinkingBecomesMarkedReasoningItem`,
    client: "openai-responses",
    upstream: "anthropic",
    events: redacted.map((e) => [e.event, JSON.parse(e.data)] as [string, Json]),
    check: (out) => {
      const done = ofType(out, "response.output_item.done").find((d) => at(d, "item.type") === "reasoning");
      assert.equal(at(done, "item.encrypted_content"), "claude-redacted-thinking:EroBCkYIBRgCKkA");
    },
  },
]);

const GC = "internal/translator/gemini/claude/gemini_claude_response_test.go";
for (const [name, parts, thinking, signature] of [
  [
    "TestConvertGeminiResponseToClaudeNonStream_PreservesThoughtSignature",
    [
      { text: "thinking step 1\n", thought: true },
      { text: "thinking step 2", thought: true, thoughtSignature: "sig-xyz-123" },
      { text: "visible answer" },
    ],
    "thinking step 1\nthinking step 2",
    "sig-xyz-123",
  ],
  [
    "TestConvertGeminiResponseToClaudeNonStream_TrailingSignatureOnlyPart",
    [
      { text: "thinking step 1\n", thought: true },
      { text: "", thoughtSignature: "sig-trailing" },
      { text: "visible answer" },
    ],
    "thinking step 1\n",
    "sig-trailing",
  ],
] as const) {
  test(`${GC} ${name}`, () => {
    const out = translateResponse(
      "gemini",
      "anthropic",
      {
        candidates: [{ content: { parts }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5 },
        responseId: "r",
      },
      { requestModel: "m" },
    );
    assert.deepEqual(out.content, [
      { type: "thinking", thinking, signature },
      { type: "text", text: "visible answer" },
    ]);
  });
}
