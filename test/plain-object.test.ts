import { test } from "node:test";
import assert from "node:assert/strict";
import { isObject } from "../src/plain-object.js";

test("isObject() is true for a plain JSON object and false for null, arrays and scalars", () => {
  assert.equal(isObject({}), true);
  assert.equal(isObject(JSON.parse('{"a":1}')), true);
  for (const v of [null, undefined, [], [1], "x", 1, true]) assert.equal(isObject(v), false, JSON.stringify(v));
});
