import { test } from "node:test";
import assert from "node:assert/strict";
import { replaceModel, sanitiseRequest } from "../../src/amp/sanitise.js";

const b = (s: string) => Buffer.from(s, "utf8");

test("sanitiseRequest() drops blank-signature thinking and strips tool_use signatures keeping big integers raw", () => {
  const body = b(
    '{"model":"m","messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":" "},' +
      '{"type":"tool_use","id":"t","name":"Bash","input":{"n":12345678901234567890},"signature":""}]}]}',
  );
  const out = sanitiseRequest(body).toString();
  assert.equal(
    out,
    '{"model":"m","messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"Bash","input":{"n":12345678901234567890}}]}]}',
  );
});

test("sanitiseRequest() returns the same Buffer when nothing changes", () => {
  const body = b(
    '{"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"sig"}]}],  "n": 1.50}',
  );
  assert.equal(sanitiseRequest(body), body);
  const plain = b('{"messages":[{"role":"user","content":"hi"}]}');
  assert.equal(sanitiseRequest(plain), plain);
});

test("sanitiseRequest() drops thinking blocks whose signature is missing or not a string", () => {
  const body = b(
    '{"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"a"},{"type":"thinking","thinking":"b","signature":5},{"type":"text","text":"t"}]}]}',
  );
  assert.deepEqual(JSON.parse(sanitiseRequest(body).toString()).messages[0].content, [{ type: "text", text: "t" }]);
});

test("sanitiseRequest() leaves user messages, string content and non-object blocks alone", () => {
  const body = b(
    '{"messages":[{"role":"user","content":[{"type":"thinking","thinking":"a"}]},{"role":"assistant","content":"s"},{"role":"assistant"},"x",' +
      '{"role":"assistant","content":[1,{"type":"tool_use","signature":"z","id":"q"}]}]}',
  );
  const out = JSON.parse(sanitiseRequest(body).toString());
  assert.deepEqual(out.messages[0].content, [{ type: "thinking", thinking: "a" }]);
  assert.deepEqual(out.messages[4].content, [1, { type: "tool_use", id: "q" }]);
});

test("sanitiseRequest() gives a message left empty an empty content array", () => {
  const body = b('{"messages":[{"role":"assistant","content":[ {"type":"thinking","thinking":"a","signature":""} ]}]}');
  assert.equal(sanitiseRequest(body).toString(), '{"messages":[{"role":"assistant","content":[]}]}');
});

test("sanitiseRequest() passes bodies that are not JSON objects or have no messages array through", () => {
  for (const s of [
    '["thinking"]',
    '{"messages":"thinking"}',
    '{"signature":1}',
    '{"messages":[{"role":"assistant","content":[{"type":"thinking"',
    "not json thinking",
  ]) {
    const body = b(s);
    assert.equal(sanitiseRequest(body), body, s);
  }
});

test("sanitiseRequest() copes with escapes and whitespace inside JSON strings", () => {
  const body = b(
    '{ "messages" : [ { "role" : "assistant" , "content" : [ {"type":"text","text":"a\\"}]{"} , {"type" : "thinking", "thinking":"x"} ] } ] }',
  );
  const out = sanitiseRequest(body).toString();
  assert.deepEqual(JSON.parse(out).messages[0].content, [{ type: "text", text: 'a"}]{' }]);
});

test("replaceModel() swaps only the model value and keeps the rest byte for byte", () => {
  const body = b('{"model" : "claude-opus-9","n":12345678901234567890,"x":"model"}');
  assert.equal(
    replaceModel(body, "claude-sonnet-4-5").toString(),
    '{"model" : "claude-sonnet-4-5","n":12345678901234567890,"x":"model"}',
  );
  const none = b('{"messages":[]}');
  assert.equal(replaceModel(none, "x"), none);
  const bad = b("[1]");
  assert.equal(replaceModel(bad, "x"), bad);
  const broken = b('{"model":');
  assert.equal(replaceModel(broken, "x"), broken);
});
