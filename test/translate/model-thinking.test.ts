import assert from "node:assert/strict";
import { test } from "node:test";
import { translateRequest } from "../../src/translate/hub.ts";
import { claudeEffort, fitGeminiReasoning, nearestLevel, thinkingSpec } from "../../src/translate/model-thinking.ts";

const chat = (effort: string) => ({ messages: [{ role: "user", content: "hi" }], reasoning_effort: effort });
const geminiThinking = (model: string, effort: string) =>
  (translateRequest("openai-chat", "gemini", chat(effort), model).generationConfig as any).thinkingConfig;

test("S37 Chat xhigh → an adaptive Claude model that lists max gets adaptive thinking with effort max and its own max_tokens", () => {
  const out = translateRequest("openai-chat", "anthropic", chat("xhigh"), "claude-opus-4-6");
  assert.deepEqual(out.thinking, { type: "adaptive" });
  assert.deepEqual(out.output_config, { effort: "max" });
  assert.equal(out.max_tokens, 128_000);
  assert.equal(claudeEffort("xhigh", ["low", "medium", "high"]), "high");
  assert.equal(claudeEffort("minimal", ["low"]), "low");
  assert.equal(claudeEffort("auto", ["low"]), undefined);
});

test("an adaptive Claude model takes 'auto' as adaptive without an effort, and a budget as the matching level", () => {
  const auto = translateRequest(
    "openai-chat",
    "anthropic",
    { ...chat("x"), model: "claude-sonnet-4-6(auto)" },
    "claude-sonnet-4-6(auto)",
  );
  assert.deepEqual(auto.thinking, { type: "adaptive" });
  assert.equal(auto.output_config, undefined);
  const budget = translateRequest(
    "anthropic",
    "openai-chat",
    { model: "m", max_tokens: 10, messages: [], thinking: { type: "enabled", budget_tokens: 2000 } },
    "m",
  );
  assert.equal(budget.reasoning_effort, "medium");
  const gem = translateRequest(
    "gemini",
    "anthropic",
    { contents: [], generationConfig: { temperature: 0.3, thinkingConfig: { thinkingBudget: 2000 } } },
    "claude-sonnet-4-6",
  );
  assert.deepEqual([gem.thinking, gem.output_config, gem.temperature], [{ type: "adaptive" }, { effort: "medium" }, 1]);
});

test("a budget Claude model clamps budgets to its range and defaults max_tokens to its maximum output", () => {
  const out = translateRequest("openai-chat", "anthropic", chat("max"), "claude-opus-4-1-20250805");
  assert.deepEqual(out.thinking, { type: "enabled", budget_tokens: 31_999 });
  assert.equal(out.max_tokens, 32_000);
});

test("Gemini 2.5 models get budgets clamped to their range, and 'none' becomes the minimum where zero is not allowed", () => {
  assert.deepEqual(geminiThinking("gemini-2.5-pro", "max"), { thinkingBudget: 32_768, includeThoughts: true });
  assert.deepEqual(geminiThinking("gemini-2.5-pro", "none"), { thinkingBudget: 128, includeThoughts: false });
  assert.deepEqual(geminiThinking("gemini-2.5-flash", "none"), { thinkingBudget: 0, includeThoughts: false });
  assert.deepEqual(geminiThinking("gemini-2.5-flash-lite", "minimal"), { thinkingBudget: 512, includeThoughts: true });
  assert.deepEqual(geminiThinking("gemini-2.5-pro", "auto"), { thinkingBudget: -1, includeThoughts: true });
});

test("Gemini 3 models get the nearest level they accept (ties go lower), never a budget", () => {
  assert.deepEqual(geminiThinking("gemini-3-pro-preview", "medium"), { thinkingLevel: "low", includeThoughts: true });
  assert.deepEqual(geminiThinking("gemini-3.1-pro-preview", "xhigh"), { thinkingLevel: "high", includeThoughts: true });
  assert.deepEqual(geminiThinking("gemini-3-flash-preview", "minimal"), {
    thinkingLevel: "minimal",
    includeThoughts: true,
  });
  assert.deepEqual(geminiThinking("gemini-3-pro-preview", "none"), { thinkingLevel: "low", includeThoughts: false });
  const budget = translateRequest(
    "anthropic",
    "gemini",
    { model: "m", max_tokens: 9, messages: [], thinking: { type: "enabled", budget_tokens: 30_000 } },
    "gemini-3-flash-preview",
  );
  assert.deepEqual((budget.generationConfig as any).thinkingConfig, { thinkingLevel: "high", includeThoughts: true });
});

test("fitGeminiReasoning() turns a level into its budget on unknown models (no thinkingLevel there), leaves settings without a level alone", () => {
  assert.deepEqual(fitGeminiReasoning({ level: "high" }, "my-own-model"), { budget: 24576, includeThoughts: true });
  const auto = { level: "auto" };
  assert.equal(fitGeminiReasoning(auto, "my-own-model"), auto);
  const none = { summary: "auto" };
  assert.equal(fitGeminiReasoning(none, "gemini-3-pro-preview"), none);
  assert.equal(fitGeminiReasoning(none, "gemini-2.5-pro"), none);
  assert.equal(thinkingSpec("gpt-5"), undefined);
  assert.equal(nearestLevel("max", ["low", "high"]), "high");
});
