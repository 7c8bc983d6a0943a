import assert from "node:assert/strict";
import { test } from "node:test";
import { SseFramer, SseLimitError, SseParser, type SseEvent } from "../../src/sse/read.ts";

function parseWhole(input: string | Buffer): SseEvent[] {
  const p = new SseParser();
  return [...p.push(input), ...p.end()];
}

function parseSplitAt(input: Buffer, cut: number): SseEvent[] {
  const p = new SseParser();
  return [...p.push(input.subarray(0, cut)), ...p.push(input.subarray(cut)), ...p.end()];
}

const SAMPLE = Buffer.from(
  '\uFEFFevent: message_start\r\ndata: {"t":"héllo 😀 世界"}\r\n\r\n' +
    ": keep-alive\n\n" +
    "data:first\ndata: second\nid: 7\nretry: 1500\n\n" +
    "event: ping\rdata: {}\r\r" +
    "data: [DONE]\n\n",
);

test("SseParser gives the same events for a stream split at every byte boundary as unsplit", () => {
  const whole = parseWhole(SAMPLE);
  assert.equal(whole.length, 4);
  for (let cut = 0; cut <= SAMPLE.length; cut++) assert.deepEqual(parseSplitAt(SAMPLE, cut), whole, `cut at ${cut}`);
});

test("SseParser gives the same events when fed one byte at a time", () => {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const b of SAMPLE) out.push(...p.push(Buffer.from([b])));
  out.push(...p.end());
  assert.deepEqual(out, parseWhole(SAMPLE));
});

test("SseParser decodes a multi-byte character split across chunks", () => {
  const bytes = Buffer.from("data: 😀é\n\n");
  const p = new SseParser();
  const out = [...p.push(bytes.subarray(0, 8)), ...p.push(bytes.subarray(8, 11)), ...p.push(bytes.subarray(11))];
  assert.deepEqual(out, [{ data: "😀é" }]);
});

test("SseParser reads CRLF, CR and LF line ends alike", () => {
  const expected = [{ event: "a", data: "x\ny" }];
  for (const eol of ["\n", "\r", "\r\n"]) {
    assert.deepEqual(parseWhole(`event: a${eol}data: x${eol}data: y${eol}${eol}`), expected, JSON.stringify(eol));
  }
});

test("SseParser reads data with and without the space after the colon, stripping only one space", () => {
  assert.deepEqual(parseWhole("data:a\n\ndata: b\n\ndata:  c\n\ndata\n\n"), [
    { data: "a" },
    { data: "b" },
    { data: " c" },
    { data: "" },
  ]);
});

test("SseParser ignores comments but reports them to onComment", () => {
  const comments: string[] = [];
  const p = new SseParser({ onComment: (c) => comments.push(c) });
  assert.deepEqual(p.push(": ping\n:\n\ndata: x\n: mid\n\n"), [{ data: "x" }]);
  assert.deepEqual(comments, ["ping", "", "mid"]);
});

test("SseParser passes [DONE] through as plain data", () => {
  assert.deepEqual(parseWhole('data: {"a":1}\n\ndata: [DONE]\n\n'), [{ data: '{"a":1}' }, { data: "[DONE]" }]);
});

test("SseParser keeps id and numeric retry but drops invalid ones and unknown fields", () => {
  assert.deepEqual(parseWhole("id: 1\nretry: 20\nfoo: bar\ndata: x\n\nid: a\0b\nretry: 2s\ndata: y\n\n"), [
    { id: "1", retry: 20, data: "x" },
    { data: "y" },
  ]);
});

test("SseParser does not dispatch an event without data lines", () => {
  assert.deepEqual(parseWhole("event: ping\n\nevent: real\ndata: 1\n\n"), [{ event: "real", data: "1" }]);
});

test("SseParser.end() flushes a final event lacking its blank line", () => {
  const p = new SseParser();
  assert.deepEqual(p.push("data: a\n\ndata: b"), [{ data: "a" }]);
  assert.deepEqual(p.end(), [{ data: "b" }]);
  assert.deepEqual(p.end(), []);
});

test("SseParser throws SseLimitError when one event exceeds maxEventBytes", () => {
  const p = new SseParser({ maxEventBytes: 16 });
  assert.deepEqual(p.push("data: short\n\n"), [{ data: "short" }]);
  assert.throws(() => p.push("data: 0123456789abcdef"), SseLimitError);
  const q = new SseParser({ maxEventBytes: 16 });
  assert.throws(() => q.push("data: 0123\ndata: 456789\n"), SseLimitError);
});

test("SseFramer returns the exact bytes of each event, blank line included", () => {
  const f = new SseFramer();
  const input = Buffer.from("event: a\ndata: 1\n\n: ka\r\n\r\ndata: 2\r\rdata: 3");
  assert.deepEqual(f.push(input).map(String), ["event: a\ndata: 1\n\n", ": ka\r\n\r\n", "data: 2\r\r"]);
  assert.deepEqual(f.end().map(String), ["data: 3"]);
  assert.deepEqual(f.end(), []);
});

test("SseFramer output concatenates to the input at every split, and each piece parses to the unsplit events", () => {
  const whole = parseWhole(SAMPLE);
  for (let cut = 0; cut <= SAMPLE.length; cut++) {
    const f = new SseFramer();
    const pieces = [...f.push(SAMPLE.subarray(0, cut)), ...f.push(SAMPLE.subarray(cut)), ...f.end()];
    assert.deepEqual(Buffer.concat(pieces), SAMPLE, `cut at ${cut}`);
    const p = new SseParser();
    const events = pieces.flatMap((piece) => p.push(piece));
    assert.deepEqual([...events, ...p.end()], whole, `cut at ${cut}`);
  }
});

test("SseFramer releases an event as soon as its blank line arrives", () => {
  const f = new SseFramer();
  assert.deepEqual(f.push(Buffer.from("data: 1\n")), []);
  assert.deepEqual(f.push(Buffer.from("\n")).map(String), ["data: 1\n\n"]);
});

test("SseFramer throws SseLimitError when an unterminated event exceeds maxEventBytes", () => {
  const f = new SseFramer({ maxEventBytes: 8 });
  assert.throws(() => f.push(Buffer.from("data: 0123456789")), SseLimitError);
});

test("SseFramer.end() returns an unterminated final event after the complete ones", () => {
  const f = new SseFramer();
  assert.deepEqual(f.push(Buffer.from("data: a\n\ndata: b")).map(String), ["data: a\n\n"]);
  assert.deepEqual(f.end().map(String), ["data: b"]);
  assert.deepEqual(f.end(), []);
});
