import { test } from "node:test";
import assert from "node:assert/strict";
import { applyEdits } from "../../src/config/write.js";
import { identity, listEdits, scalarEdits, valueAt } from "../../src/management/list-edit.js";

const FILE = `keys:
  - api-key: a   # one
    weight: 1
  - api-key: b   # two
  - api-key: c   # three
`;
const before = [{ "api-key": "a" }, { "api-key": "b" }, { "api-key": "c" }];

test("listEdits() deletes, edits fields in place and appends, touching only those lines", () => {
  const edits = listEdits(
    FILE,
    "keys",
    before,
    [{ "api-key": "a", prefix: "p" }, { "api-key": "c" }, { "api-key": "d" }],
    [0, 2, undefined],
  );
  assert.equal(
    applyEdits(FILE, edits),
    `keys:
  - api-key: a   # one
    weight: 1
    prefix: "p"
  - api-key: c   # three
  - api-key: "d"
`,
  );
});

test("listEdits() rewrites the whole list for a reorder, keeping unknown keys of matched items", () => {
  const edits = listEdits(FILE, "keys", before, [before[2], { "api-key": "a", prefix: "q" }], [2, 0]);
  assert.equal(edits.length, 1);
  assert.deepEqual(edits[0].value, [{ "api-key": "c" }, { "api-key": "a", weight: 1, prefix: "q" }]);
  const missing = listEdits("other: 1\n", "keys", [], ["x"], [undefined]);
  assert.deepEqual(missing, [{ path: ["keys"], value: ["x"] }]);
});

test("identity(), valueAt() and scalarEdits() follow the file", () => {
  assert.equal(identity(" k "), "k");
  assert.equal(identity({ "api-key": " k ", "base-url": "u" }), "k|u");
  assert.equal(identity({ name: "n", "base-url": "u" }), "n|u");
  assert.equal(identity(3), "3");
  assert.equal(valueAt("a: [unclosed", ["a"]), undefined);
  assert.equal(valueAt("a:\n  b: 1\n", ["a", "b"]), 1);
  assert.equal(valueAt("a: 1\n", ["a", "b"]), undefined);
  assert.deepEqual(scalarEdits("x: 1\n", ["debug"], false, false), []);
  assert.deepEqual(scalarEdits("debug: true\n", ["debug"], false, false), [{ path: ["debug"], value: false }]);
});
