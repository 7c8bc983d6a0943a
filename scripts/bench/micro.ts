/**
 * Translation micro-benchmarks, in-process: a 100 kB Chat Completions request translated to a
 * Claude request, and a 2,000-event Claude stream translated to Chat Completions chunks, each
 * beside its floor (parse + serialise alone, same-dialect framing alone) so the hub's own cost
 * reads directly. Timed per operation into a histogram for a fixed time, bounded in count.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable, Writable } from "node:stream";
import { Histogram } from "./histogram.js";
import { pad, stampText, streamFrames } from "./payloads.js";
import type { MicroResult } from "./report.js";

/** A Chat Completions request of about `bytes`: a long conversation with tools, as coding agents send. */
export function bigChatRequest(bytes = 100 * 1024): string {
  const tools = Array.from({ length: 12 }, (_, i) => ({
    type: "function",
    function: {
      name: `tool_${i}`,
      description: pad(200),
      parameters: {
        type: "object",
        properties: { path: { type: "string" }, n: { type: "integer" } },
        required: ["path"],
      },
    },
  }));
  const messages: unknown[] = [{ role: "system", content: pad(2000) }];
  let turn = 0;
  while (JSON.stringify({ messages, tools }).length < bytes - 4000) {
    const id = `call_${turn}`;
    messages.push({ role: "user", content: pad(1500) });
    messages.push({
      role: "assistant",
      content: pad(400),
      tool_calls: [
        {
          id,
          type: "function",
          function: { name: "tool_1", arguments: JSON.stringify({ path: `src/file${turn}.ts`, n: turn }) },
        },
      ],
    });
    messages.push({ role: "tool", tool_call_id: id, content: pad(1200) });
    turn++;
  }
  messages.push({ role: "user", content: "Go on." });
  return JSON.stringify({ model: "claude-sonnet-4-5", stream: true, max_tokens: 4096, messages, tools });
}

/** The raw bytes of a Claude stream of `events` text deltas of about 100 bytes each. */
export function claudeStream(events = 2000): Buffer {
  const frames = streamFrames("anthropic");
  const filler = pad(100 - stampText(0n).length);
  let text = frames.head;
  for (let i = 0; i < events; i++) text += frames.event(stampText(BigInt(i)) + filler);
  return Buffer.from(text + frames.tail);
}

/** Times `op` repeatedly for `ms` (at most `maxOps` times) after a short warm-up. */
export function timeOp(op: () => void, ms: number, maxOps = 100_000): Histogram {
  for (let i = 0; i < 5; i++) op();
  const h = new Histogram();
  const end = performance.now() + ms;
  for (let i = 0; i < maxOps && performance.now() < end; i++) {
    const t = process.hrtime.bigint();
    op();
    h.record(Number(process.hrtime.bigint() - t));
  }
  return h;
}

/** Splits `buf` into chunks of `size`, as a socket would deliver them. */
function chunks(buf: Buffer, size = 16 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** Runs every micro-benchmark for about `ms` each (sizes: 100 kB, 2,000 events unless told); a missing module is reported, not thrown. */
export async function runMicro(
  ms: number,
  sizes: { requestBytes?: number; events?: number } = {},
): Promise<MicroResult[]> {
  const out: MicroResult[] = [];
  const request = bigChatRequest(sizes.requestBytes);
  const stream = chunks(claudeStream(sizes.events));
  const kb = Math.round(request.length / 1024);
  out.push({
    name: "floor: 100 kB JSON parse + stringify",
    perOpMs: timeOp(() => JSON.stringify(JSON.parse(request)), ms).summary(),
    note: `${kb} kB; what any re-serialising proxy pays`,
  });
  let hub: typeof import("../../src/translate/hub.js");
  let sse: typeof import("../../src/sse/read.js");
  let write: typeof import("../../src/sse/write.js");
  try {
    hub = await import("../../src/translate/hub.js");
    sse = await import("../../src/sse/read.js");
    write = await import("../../src/sse/write.js");
  } catch (err) {
    out.push({ name: "translation", note: "", reason: `cannot load src/translate/hub.ts: ${(err as Error).message}` });
    return out;
  }
  const attempt = (name: string, note: string, op: () => void) => {
    try {
      op();
      out.push({ name, perOpMs: timeOp(op, ms).summary(), note });
    } catch (err) {
      out.push({ name, note, reason: (err as Error).message });
    }
  };
  attempt("request 100 kB: OpenAI chat → Claude", `${kb} kB parse + translate + stringify`, () => {
    JSON.stringify(hub.translateRequest("openai-chat", "anthropic", JSON.parse(request), "claude-sonnet-4-5"));
  });
  attempt("stream 2,000 events: framing only (pass-through)", "SseFramer over 16 kB chunks", () => {
    const framer = new sse.SseFramer();
    for (const c of stream) framer.push(c);
  });
  attempt("stream 2,000 events: Claude → OpenAI chat", "parse + translate + format, whole stream", () => {
    const parser = new sse.SseParser();
    const tr = hub.createStreamTranslator("anthropic", "openai-chat", { requestModel: "claude-sonnet-4-5" });
    let n = 0;
    for (const c of stream)
      for (const e of parser.push(c)) for (const o of tr.push(e)) n += write.formatEvent(o).length;
    for (const o of tr.end()) n += write.formatEvent(o).length;
    if (n === 0) throw new Error("Stream translation produced no output");
  });
  let pump: typeof import("../../src/pipeline/stream.js") | undefined;
  try {
    pump = await import("../../src/pipeline/stream.js");
  } catch (err) {
    out.push({
      name: "stream 2,000 events: pumpStream",
      note: "",
      reason: `cannot load src/pipeline/stream.ts: ${(err as Error).message}`,
    });
  }
  if (pump) {
    const run = pump.pumpStream;
    await attemptAsync(
      out,
      "stream 2,000 events: pumpStream pass-through",
      "cliproxy's same-dialect stream path, no sockets",
      ms,
      () => pumpOnce(run, stream),
    );
    await attemptAsync(
      out,
      "stream 2,000 events: pumpStream Claude → OpenAI",
      "the translated stream path, no sockets",
      ms,
      () =>
        pumpOnce(
          run,
          stream,
          hub.createStreamTranslator("anthropic", "openai-chat", { requestModel: "claude-sonnet-4-5" }),
        ),
    );
  }
  return out;
}

type Pump = typeof import("../../src/pipeline/stream.js").pumpStream;

/** Feeds `chunks` through pumpStream into a sink that discards, as a socket that is never full. */
async function pumpOnce(
  pump: Pump,
  chunks: Buffer[],
  translator?: import("../../src/translate/hub.js").StreamTranslator,
): Promise<void> {
  const sink = Object.assign(new Writable({ write: (_c, _e, done) => done() }), {
    writeHead() {
      return sink;
    },
    flushHeaders() {},
  });
  const r = await pump({
    upstream: Readable.from(chunks) as unknown as IncomingMessage,
    res: sink as unknown as ServerResponse,
    signal: new AbortController().signal,
    client: translator ? "openai-chat" : "anthropic",
    host: "bench",
    translator,
    isFinal: (event) => event === "message_stop",
    keepaliveMs: 0,
  });
  if (r.kind !== "done") throw new Error(`pumpStream failed: ${r.status} ${r.body}`);
}

/** Times an async operation like timeOp; a throw makes the row unavailable. */
async function attemptAsync(
  out: MicroResult[],
  name: string,
  note: string,
  ms: number,
  op: () => Promise<void>,
): Promise<void> {
  try {
    for (let i = 0; i < 3; i++) await op();
    const h = new Histogram();
    const end = performance.now() + ms;
    for (let i = 0; i < 10_000 && performance.now() < end; i++) {
      const t = process.hrtime.bigint();
      await op();
      h.record(Number(process.hrtime.bigint() - t));
    }
    out.push({ name, perOpMs: h.summary(), note });
  } catch (err) {
    out.push({ name, note, reason: (err as Error).message });
  }
}
