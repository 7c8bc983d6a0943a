import { test } from "node:test";
import assert from "node:assert/strict";
import { filterAnthropicBeta, filterBetaValue } from "../../src/amp/beta.js";

test("filterBetaValue() drops context-1m wherever it sits and normalises separators", () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ["a, context-1m-2025-08-07, b", "a,b"],
    ["context-1m-2025-08-07,b", "b"],
    ["a,context-1m-2025-08-07", "a"],
    [undefined, undefined],
    ["context-1m-2025-08-07", undefined],
    ["", undefined],
    ["  a ,  , b  ", "a,b"],
  ];
  for (const [input, want] of cases) assert.equal(filterBetaValue(input), want, String(input));
  assert.equal(filterBetaValue(["a", "context-1m-2025-08-07"]), "a");
});

test("filterAnthropicBeta() removes the header when nothing is left and never changes its input", () => {
  const h = { "anthropic-beta": "context-1m-2025-08-07", "x-api-key": "k" };
  assert.deepEqual(filterAnthropicBeta(h), { "x-api-key": "k" });
  assert.equal(h["anthropic-beta"], "context-1m-2025-08-07");
  assert.deepEqual(filterAnthropicBeta({ "anthropic-beta": "x, y" }), { "anthropic-beta": "x,y" });
  const none = { a: "1" };
  assert.equal(filterAnthropicBeta(none), none);
});
