import { test } from "node:test";
import assert from "node:assert/strict";
import { editBody } from "../../src/providers/body-edit.js";

const b = (s: string) => Buffer.from(s);

test("editBody() returns the same buffer when no member changes", () => {
  const body = b('{"model":"m", "x":1}');
  assert.equal(editBody(body, {}), body);
  assert.equal(editBody(body, { remove: ["absent"] }), body);
});

test("editBody() replaces model and keeps other members' exact bytes, big integers included", () => {
  const out = editBody(b('{ "model" : "alias", "tools":[{"input":{"n":12345678901234567890}}], "s":"a\\"}b" }'), {
    set: { model: "real" },
  });
  assert.equal(out.toString(), '{"model":"real","tools":[{"input":{"n":12345678901234567890}}],"s":"a\\"}b"}');
});

test("editBody() removes members anywhere and adds missing ones first", () => {
  assert.equal(
    editBody(b('{"a":1,"b":[1,{"c":"}"}],"c":true}'), { remove: ["a", "c"] }).toString(),
    '{"b":[1,{"c":"}"}]}',
  );
  assert.equal(editBody(b('{"a":1,"b":2}'), { remove: ["a", "b"], set: { z: null } }).toString(), '{"z":null}');
  assert.equal(editBody(b("{}"), { set: { stream: true } }).toString(), '{"stream":true}');
  assert.equal(editBody(b('{"x":1}'), { set: { o: { k: "v" } } }).toString(), '{"o":{"k":"v"},"x":1}');
});

test("editBody() keeps the last of repeated keys, as JSON.parse does", () => {
  assert.deepEqual(JSON.parse(editBody(b('{"m":1,"m":2,"k":3}'), { remove: ["k"] }).toString()), { m: 2 });
});

test("editBody() rejects a body that is not a JSON object", () => {
  assert.throws(() => editBody(b("[1]"), { set: { a: 1 } }), /not an object/);
  assert.throws(() => editBody(b('{"a":"x'), { set: { a: 1 } }), SyntaxError);
  assert.throws(() => editBody(b('{"a":[1'), { set: { a: 1 } }), SyntaxError);
});
