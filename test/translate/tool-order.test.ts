import assert from "node:assert/strict";
import { test } from "node:test";
import type { SseEvent } from "../../src/sse/read.ts";
import { createStreamTranslator, translateStreamToResponse } from "../../src/translate/hub.ts";
import { newToolOrderState, orderToolEvents } from "../../src/translate/tool-order.ts";
import type { IrEvent } from "../../src/translate/ir.ts";

const chunk = (delta: unknown, finish: string | null = null): SseEvent => ({
  data: JSON.stringify({ id: "c1", choices: [{ index: 0, delta, finish_reason: finish }] }),
});
const call = (index: number, fields: Record<string, unknown>) => chunk({ tool_calls: [{ index, ...fields }] });

/** A Chat upstream interleaving the argument pieces of two parallel calls. */
const INTERLEAVED: SseEvent[] = [
  chunk({ role: "assistant", content: "" }),
  call(0, { id: "call_a", type: "function", function: { name: "f", arguments: "" } }),
  call(1, { id: "call_b", type: "function", function: { name: "g", arguments: '{"y":' } }),
  call(0, { function: { arguments: '{"x":' } }),
  call(1, { function: { arguments: "2}" } }),
  call(0, { function: { arguments: "1}" } }),
  chunk({}, "tool_calls"),
  { data: "[DONE]" },
];

function run(to: "anthropic" | "openai-responses"): any[] {
  const t = createStreamTranslator("openai-chat", to, { requestModel: "m" });
  return [...INTERLEAVED.flatMap((e) => t.push(e)), ...t.end()].map((e) => JSON.parse(e.data));
}

test("interleaved parallel tool-call pieces reach an Anthropic client as two whole, consecutive tool_use blocks", () => {
  const out = run("anthropic");
  const blocks = new Map<number, { name: string; json: string; stopped: boolean }>();
  for (const d of out) {
    if (d.type === "content_block_start") {
      for (const b of blocks.values()) assert.ok(b.stopped, "a block starts only after the previous one stopped");
      blocks.set(d.index, { name: d.content_block.name, json: "", stopped: false });
    }
    if (d.type === "content_block_delta") {
      const b = blocks.get(d.index)!;
      assert.equal(b.stopped, false, "no delta after a block stopped");
      b.json += d.delta.partial_json;
    }
    if (d.type === "content_block_stop") blocks.get(d.index)!.stopped = true;
  }
  assert.deepEqual(
    [...blocks.values()].map((b) => [b.name, JSON.parse(b.json)]),
    [
      ["f", { x: 1 }],
      ["g", { y: 2 }],
    ],
  );
  assert.equal(out.at(-2).delta.stop_reason, "tool_use");
});

test("interleaved parallel tool-call pieces reach a Responses client as two complete function_call items in order", () => {
  const out = run("openai-responses");
  const done = out
    .filter((d) => d.type === "response.output_item.done")
    .map((d) => [d.output_index, d.item.name, JSON.parse(d.item.arguments)]);
  assert.deepEqual(done, [
    [0, "f", { x: 1 }],
    [1, "g", { y: 2 }],
  ]);
  const deltas = out.filter((d) => d.type === "response.function_call_arguments.delta");
  assert.equal(deltas.map((d) => d.delta).join(""), '{"x":1}{"y":2}');
  assert.deepEqual(
    out.at(-1).response.output.map((i: any) => i.call_id),
    ["call_a", "call_b"],
  );
  assert.deepEqual(
    out.map((d) => d.sequence_number),
    out.map((_d, i) => i),
  );
});

test("a held call that ended while the first was open is released whole when the first ends", () => {
  const s = newToolOrderState();
  const feed: IrEvent[] = [
    { kind: "toolStart", index: 0, id: "a", name: "f" },
    { kind: "toolStart", index: 1, id: "b", name: "g" },
    { kind: "toolArgs", index: 1, delta: "{}" },
    { kind: "toolEnd", index: 1 },
    { kind: "toolStart", index: 2, id: "c", name: "h" },
    { kind: "toolArgs", index: 0, delta: "{}" },
    { kind: "toolEnd", index: 0 },
    { kind: "toolArgs", index: 2, delta: "{}" },
    { kind: "text", text: "after" },
  ];
  const out = feed.flatMap((e) => orderToolEvents(s, e));
  assert.deepEqual(
    out.map((e) => `${e.kind}${"index" in e ? e.index : ""}`),
    ["toolStart0", "toolArgs0", "toolEnd0", "toolStart1", "toolArgs1", "toolEnd1", "toolStart2", "toolArgs2", "text"],
  );
});

test("sequential calls from a Claude upstream stream without being held", () => {
  const s = newToolOrderState();
  const feed: IrEvent[] = [
    { kind: "toolStart", index: 0, id: "a", name: "f" },
    { kind: "toolArgs", index: 0, delta: "{}" },
    { kind: "toolEnd", index: 0 },
    { kind: "toolStart", index: 1, id: "b", name: "g" },
    { kind: "toolArgs", index: 1, delta: "{}" },
  ];
  for (const e of feed) assert.deepEqual(orderToolEvents(s, e), [e]);
  assert.deepEqual(orderToolEvents(s, { kind: "finish", reason: "tool_use" }), [
    { kind: "finish", reason: "tool_use" },
  ]);
});

test("translateStreamToResponse() folds interleaved parallel calls into whole calls for every client", () => {
  const res = translateStreamToResponse("openai-chat", "anthropic", INTERLEAVED, { requestModel: "m" }) as any;
  assert.deepEqual(
    res.content.map((b: any) => [b.name, b.input]),
    [
      ["f", { x: 1 }],
      ["g", { y: 2 }],
    ],
  );
});
