/** pipeline/reply.ts: the answer writer's error paths (whole answers are covered by every serve test). */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { endStreamWithError } from "../../src/pipeline/reply.js";

/** A response that records what is written to it: enough for a writer that only writes and ends. */
function recording(): { res: ServerResponse; text: () => string; ended: () => boolean } {
  let out = "";
  let ended = false;
  const res = {
    write: (s: string) => void (out += s),
    end: () => void (ended = true),
  } as unknown as ServerResponse;
  return { res, text: () => out, ended: () => ended };
}

test("endStreamWithError() ends a Responses stream with a typed error event carrying the next sequence number", () => {
  const r = recording();
  endStreamWithError(r.res, "openai-responses", 408, "slow", { jsonArray: false, arrayOpen: false, sequence: 7 });
  assert.match(r.text(), /^event: error\ndata: \{"type":"error","code":"request_timeout","message":"slow"/);
  assert.match(r.text(), /"sequence_number":7/);
  assert.ok(r.ended());
  const bad = recording();
  endStreamWithError(bad.res, "openai-responses", 400, "bad", { jsonArray: false, arrayOpen: false });
  assert.match(bad.text(), /"code":"invalid_request_error"/);
});

test("endStreamWithError() ends a chat stream with an error chunk and [DONE], a Gemini array with an error element", () => {
  const chat = recording();
  endStreamWithError(chat.res, "openai-chat", 502, "gone", { jsonArray: false, arrayOpen: false });
  assert.match(chat.text(), /^data: \{"error":.*"gone".*\}\n\ndata: \[DONE\]\n\n$/);
  const array = recording();
  endStreamWithError(array.res, "gemini", 504, "slow", { jsonArray: true, arrayOpen: true });
  assert.match(array.text(), /^,\{"error":\{"code":504,.*\}\]$/);
  const empty = recording();
  endStreamWithError(empty.res, "gemini", 504, "slow", { jsonArray: true, arrayOpen: false });
  assert.ok(empty.text().startsWith("[{") && empty.text().endsWith("}]"));
});
