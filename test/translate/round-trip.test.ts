import assert from "node:assert/strict";
import { test } from "node:test";
import { translateRequest, type Format } from "../../src/translate/hub.ts";

type Json = Record<string, unknown>;

/** A Claude conversation with text, thinking, two parallel tool calls, their results and an image. */
const CLAUDE_CONVERSATION: Json = {
  model: "claude-sonnet-4-5",
  max_tokens: 4096,
  system: [{ type: "text", text: "Be brief." }],
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Weather and time in Paris?" },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Two lookups.", signature: "EqQBCkYIclaude" },
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "toolu_01A", name: "get_Weather", input: { city: "Paris" } },
        { type: "tool_use", id: "toolu_01B", name: "get_time", input: { tz: "Europe/Paris" } },
      ],
    },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_01A", content: "18C" },
        { type: "tool_result", tool_use_id: "toolu_01B", content: [{ type: "text", text: "14:00" }] },
      ],
    },
  ],
};

function roundTrip(via: Format): Json {
  const there = translateRequest("anthropic", via, CLAUDE_CONVERSATION, "upstream-model");
  return translateRequest(via, "anthropic", there, "claude-sonnet-4-5");
}

const messages = (body: Json) => body.messages as Array<{ role: string; content: Json[] }>;

for (const via of ["openai-chat", "openai-responses", "gemini"] as const) {
  test(`Claude→${via}→Claude keeps system, text, image, both parallel calls and their results`, () => {
    const back = roundTrip(via);
    assert.deepEqual(back.system, [{ type: "text", text: "Be brief." }]);
    const [user, assistant, results] = messages(back);
    assert.deepEqual(user.content, (CLAUDE_CONVERSATION.messages as Json[])[0].content);
    const calls = assistant.content.filter((b) => b.type === "tool_use");
    assert.deepEqual(
      calls.map((c) => [c.name, c.input]),
      [
        ["get_Weather", { city: "Paris" }],
        ["get_time", { tz: "Europe/Paris" }],
      ],
    );
    assert.deepEqual(
      assistant.content.filter((b) => b.type === "text"),
      [{ type: "text", text: "Checking." }],
    );
    // Each result still answers its own call, whatever the ids became.
    assert.deepEqual(
      results.content.map((r) => r.tool_use_id),
      calls.map((c) => c.id),
    );
    assert.deepEqual(
      results.content.map((r) => r.content),
      ["18C", "14:00"],
    );
  });

  test(`Claude→${via}→Claude loses the thinking block, whose Claude signature cannot survive a foreign dialect`, () => {
    const assistant = messages(roundTrip(via))[1];
    assert.equal(
      assistant.content.some((b) => b.type === "thinking"),
      false,
    );
  });
}

test("Claude→Chat→Claude and Claude→Responses→Claude keep tool-call ids exactly", () => {
  for (const via of ["openai-chat", "openai-responses"] as const) {
    const calls = messages(roundTrip(via))[1].content.filter((b) => b.type === "tool_use");
    assert.deepEqual(
      calls.map((c) => c.id),
      ["toolu_01A", "toolu_01B"],
      via,
    );
  }
});

test("Claude→Gemini→Claude replaces tool-call ids (Gemini has none) but pairs results by order", () => {
  const back = roundTrip("gemini");
  const calls = messages(back)[1].content.filter((b) => b.type === "tool_use");
  for (const c of calls) assert.match(String(c.id), /^call_[A-Za-z0-9]{24}$/);
  assert.notEqual(calls[0].id, calls[1].id);
});

test("Claude→Chat drops Claude-signed thinking from reasoning_content: it is another model's state", () => {
  const chat = translateRequest("anthropic", "openai-chat", CLAUDE_CONVERSATION, "gpt-4o");
  const assistant = (chat.messages as Json[]).find((m) => m.role === "assistant");
  assert.ok(assistant);
  assert.equal(assistant.reasoning_content, undefined);
});

test("Claude→Claude passes the body through with only the model replaced", () => {
  const same = translateRequest("anthropic", "anthropic", CLAUDE_CONVERSATION, "claude-x");
  assert.deepEqual(same, { ...CLAUDE_CONVERSATION, model: "claude-x" });
});

test("Chat→Gemini→Chat keeps a tool call's Gemini signature in extra_content", () => {
  const chat: Json = {
    model: "m",
    messages: [
      { role: "user", content: "go" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "c1",
            type: "function",
            function: { name: "f", arguments: "{}" },
            extra_content: { google: { thought_signature: "CiQsig" } },
          },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "done" },
    ],
  };
  const gemini = translateRequest("openai-chat", "gemini", chat, "gemini-2.5-pro");
  const model = (gemini.contents as Json[])[1] as { parts: Json[] };
  assert.equal(model.parts[0].thoughtSignature, "CiQsig");
  const back = translateRequest("gemini", "openai-chat", gemini, "m");
  const call = ((back.messages as Json[])[1].tool_calls as Json[])[0];
  assert.deepEqual(call.extra_content, { google: { thought_signature: "CiQsig" } });
});
