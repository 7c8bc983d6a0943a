import assert from "node:assert/strict";
import { test } from "node:test";
import { parseModelName, withSuffix, type ModelName } from "../../src/translate/model-suffix.ts";

/**
 * The one table every part of cliproxy reads a model name by. Where the four old parsers disagreed, the
 * settled answer is marked "settled": routing (providers/registry.ts), Amp mappings (amp/mappings.ts),
 * the translators (translate/thinking.ts) and attempt.ts's regex each had their own.
 */
const TABLE: ReadonlyArray<[string, ModelName]> = [
  ["gpt-5-codex(high)", { base: "gpt-5-codex", suffix: "high", reasoning: { level: "high" } }],
  ["claude-sonnet-4-5(8192)", { base: "claude-sonnet-4-5", suffix: "8192", reasoning: { budget: 8192 } }],
  ["m(0)", { base: "m", suffix: "0", reasoning: { level: "none" } }],
  ["m(none)", { base: "m", suffix: "none", reasoning: { level: "none" } }],
  ["m(-1)", { base: "m", suffix: "-1", reasoning: { level: "auto" } }],
  ["m(auto)", { base: "m", suffix: "auto", reasoning: { level: "auto" } }],
  ["m(300)", { base: "m", suffix: "300", reasoning: { budget: 300 } }],
  // Case-blind and trimmed inside the parentheses; the suffix text stays as written.
  ["m( HIGH )", { base: "m", suffix: " HIGH ", reasoning: { level: "high" } }],
  // Split off for routing, but no reasoning: an unknown word, a negative budget other than -1, a fraction.
  ["m(foo)", { base: "m", suffix: "foo" }],
  ["m(-5)", { base: "m", suffix: "-5" }],
  ["m(1.5)", { base: "m", suffix: "1.5" }],
  // Empty `()`: a suffix with no value (routes on `gpt-6`, asks for nothing, Amp never appends it).
  ["gpt-6()", { base: "gpt-6", suffix: "" }],
  // Only the final group counts.
  ["a(b)(c)", { base: "a(b)", suffix: "c" }],
  // Settled: nested parentheses are no suffix (Amp's parser made it base "a(b", suffix "c)").
  ["a(b(c))", { base: "a(b(c))" }],
  // Settled: an empty name is no suffix (the translators read "(high)" as model "" at level high).
  ["(high)", { base: "(high)" }],
  // Settled: surrounding whitespace is trimmed first (the translators and Amp kept it, missing the suffix).
  [" gpt-5(low) ", { base: "gpt-5", suffix: "low", reasoning: { level: "low" } }],
  [" gpt-5 ", { base: "gpt-5" }],
  // No closing or no opening parenthesis: a plain name.
  ["g25p(high", { base: "g25p(high" }],
  ["plain)", { base: "plain)" }],
  // `-thinking` is part of a name, never a suffix.
  ["claude-3-7-sonnet-thinking", { base: "claude-3-7-sonnet-thinking" }],
  [
    "claude-3-7-sonnet-thinking(high)",
    { base: "claude-3-7-sonnet-thinking", suffix: "high", reasoning: { level: "high" } },
  ],
  // An alias or prefixed name carries its suffix the same way.
  ["team/my-alias(xhigh)", { base: "team/my-alias", suffix: "xhigh", reasoning: { level: "xhigh" } }],
];

for (const [input, want] of TABLE)
  test(`parseModelName(${JSON.stringify(input)}) is ${JSON.stringify(want)}`, () => {
    assert.deepEqual(parseModelName(input), want);
  });

test("withSuffix() rebuilds name(value), and leaves a name without suffix alone", () => {
  assert.equal(withSuffix("gpt-5", "high"), "gpt-5(high)");
  assert.equal(withSuffix("gpt-6", ""), "gpt-6()");
  assert.equal(withSuffix("gpt-5", undefined), "gpt-5");
});
