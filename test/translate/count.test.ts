import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateInputTokens, TOKENS_PER_MEDIA, TOKENS_PER_MESSAGE } from "../../src/translate/count.ts";

test("estimateInputTokens() counts characters ÷ 4 plus 3 per message, the same for every dialect", () => {
  const text = "a".repeat(40);
  const expected = 10 + 10 + 2 * TOKENS_PER_MESSAGE; // system and user text, two turns
  assert.equal(
    estimateInputTokens("anthropic", {
      system: text,
      messages: [
        { role: "user", content: text },
        { role: "assistant", content: "" },
      ],
    }),
    expected,
  );
  assert.equal(
    estimateInputTokens("openai-chat", {
      messages: [
        { role: "system", content: text },
        { role: "user", content: text },
        { role: "assistant", content: "" },
      ],
    }),
    expected,
  );
  assert.equal(
    estimateInputTokens("openai-responses", {
      instructions: text,
      input: [
        { role: "user", content: text },
        { role: "assistant", content: "" },
      ],
    }),
    expected,
  );
  assert.equal(
    estimateInputTokens("gemini", {
      systemInstruction: { parts: [{ text }] },
      contents: [
        { role: "user", parts: [{ text }] },
        { role: "model", parts: [] },
      ],
    }),
    expected,
  );
});

test("estimateInputTokens() counts tools, tool calls and results, thinking, and a flat amount per image", () => {
  const body = {
    tools: [{ name: "f", description: "dd", input_schema: { type: "object" } }], // 1 + 2 + 17 characters
    messages: [
      { role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "tttt", signature: "E" },
          { type: "redacted_thinking", data: "xxxxxxxx" },
          { type: "tool_use", id: "t1", name: "f", input: { a: 1 } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "t1",
            content: [
              { type: "text", text: "rrrr" },
              { type: "image", source: { type: "url", url: "http://x" } },
            ],
          },
          { type: "tool_result", tool_use_id: "t1", content: "ssss" },
        ],
      },
    ],
  };
  // 20 (tool) + 4 (thinking) + 1 + 7 (call name and args) + 4 + 4 (results) = 40 characters → 10
  assert.equal(estimateInputTokens("anthropic", body), 10 + 3 * TOKENS_PER_MESSAGE + 2 * TOKENS_PER_MEDIA);
});
