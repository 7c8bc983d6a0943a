import assert from "node:assert/strict";
import { test } from "node:test";
import { budgetOf, budgetToLevel, classifySignature, levelOf, signatureFor } from "../../src/translate/thinking.ts";

test("budgetToLevel() follows the spec's table (S37)", () => {
  assert.deepEqual([-2, -1, 0, 512, 1024, 8193, 24576, 30000].map(budgetToLevel), [
    undefined,
    "auto",
    "none",
    "minimal",
    "low",
    "high",
    "high",
    "xhigh",
  ]);
});

test("levelOf() and budgetOf() convert between levels and budgets", () => {
  assert.equal(levelOf({ budget: 8192 }), "medium");
  assert.equal(levelOf({ includeThoughts: true }), "auto");
  assert.equal(levelOf({}), undefined);
  assert.equal(budgetOf({ level: "HIGH" }), 24576);
  assert.equal(budgetOf({ includeThoughts: true }), -1);
  assert.equal(budgetOf({}), undefined);
});

test("classifySignature() reads explicit prefixes and otherwise the shape", () => {
  assert.deepEqual(classifySignature("claude#Eabc"), { origin: "claude", value: "Eabc" });
  assert.deepEqual(classifySignature("gAAAAxyz"), { origin: "gpt", value: "gAAAAxyz" });
  assert.deepEqual(classifySignature("RdoubleEncoded"), { origin: "claude", value: "RdoubleEncoded" });
  assert.deepEqual(classifySignature("CiQB"), { origin: "gemini", value: "CiQB" });
});

test("signatureFor() keeps only matching signatures, plus Gemini's bypass sentinels for Gemini", () => {
  assert.equal(signatureFor("claude", "Eabc"), "Eabc");
  assert.equal(signatureFor("claude", "CiQB"), undefined);
  assert.equal(signatureFor("claude", ""), undefined);
  assert.equal(
    signatureFor("gemini", "claude#context_engineering_is_the_way_to_go"),
    "context_engineering_is_the_way_to_go",
  );
});
