import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "../../src/sse/read.ts";
import { formatComment, formatEvent, SSE_HEADERS } from "../../src/sse/write.ts";

test("formatEvent() writes the event name, then one data line per line of data", () => {
  assert.equal(formatEvent({ event: "x", data: "a\nb" }), "event: x\ndata: a\ndata: b\n\n");
  assert.equal(formatEvent({ data: "[DONE]" }), "data: [DONE]\n\n");
  assert.equal(formatEvent({ data: "" }), "data: \n\n");
});

test("formatEvent() writes id and retry, and strips newlines that would inject fields", () => {
  assert.equal(
    formatEvent({ event: "a\nb", id: "1\r", retry: 30.7, data: "x" }),
    "event: ab\nid: 1\nretry: 30\ndata: x\n\n",
  );
});

test("formatEvent() output parses back to the same event", () => {
  const e = { event: "content_block_delta", id: "9", retry: 5, data: "line1\r\nline2\rline3\n😀" };
  assert.deepEqual(new SseParser().push(formatEvent(e)), [{ ...e, data: "line1\nline2\nline3\n😀" }]);
});

test("formatComment() writes comment lines the parser ignores", () => {
  assert.equal(formatComment("keep-alive"), ": keep-alive\n\n");
  const seen: string[] = [];
  assert.deepEqual(new SseParser({ onComment: (c) => seen.push(c) }).push(formatComment("a\nb")), []);
  assert.deepEqual(seen, ["a", "b"]);
});

test("SSE_HEADERS declares an uncached event stream", () => {
  assert.deepEqual(
    { ...SSE_HEADERS },
    { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  );
});
