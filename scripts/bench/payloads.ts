/**
 * The bytes the bench sends and the fake upstream answers, per dialect. A request carries its
 * wishes as a `bench:` directive inside the prompt text, because the prompt is the one part every
 * proxy path forwards, translated or not. Stream events carry `t=<ns>|`, the upstream's
 * CLOCK_MONOTONIC stamp (process.hrtime), which every process on the machine shares.
 */

/** The dialects the fake upstream speaks. */
export type Dialect = "anthropic" | "openai" | "gemini";

/** What a request asks the fake upstream for. */
export interface Directive {
  /** Approximate bytes of a non-stream answer. */
  readonly size: number;
  /** Content events in a stream. */
  readonly events: number;
  /** Padding bytes per content event. */
  readonly bytes: number;
  /** Milliseconds between content events; 0 = as fast as the socket takes them. */
  readonly pace: number;
}

/** The answer when a request names nothing: 1 kB, or 20 events of 100 bytes every 5 ms. */
export const DEFAULT_DIRECTIVE: Directive = Object.freeze({ size: 1024, events: 20, bytes: 100, pace: 5 });

/** Writes a directive as it appears in prompt text: `bench:size=1024,events=20,bytes=100,pace=5;`. */
export function formatDirective(d: Partial<Directive>): string {
  const full = { ...DEFAULT_DIRECTIVE, ...d };
  return `bench:size=${full.size},events=${full.events},bytes=${full.bytes},pace=${full.pace};`;
}

const LIMITS: Directive = { size: 16 << 20, events: 100_000, bytes: 1 << 20, pace: 60_000 };

/** Reads the first directive in `text`; missing or out-of-range fields take their defaults. */
export function parseDirective(text: string): Directive {
  const at = text.indexOf("bench:");
  if (at < 0) return DEFAULT_DIRECTIVE;
  const end = text.indexOf(";", at);
  const body = text.slice(at + 6, end < 0 ? at + 100 : end);
  const out: Record<string, number> = { ...DEFAULT_DIRECTIVE };
  for (const pair of body.split(",")) {
    const [k, v] = pair.split("=");
    const n = Number(v);
    if (k in LIMITS && Number.isInteger(n) && n >= 0 && n <= LIMITS[k as keyof Directive]) out[k] = n;
  }
  return out as unknown as Directive;
}

/** Filler text of `n` ASCII bytes that needs no JSON escaping. */
export function pad(n: number): string {
  const unit = "lorem ipsum dolor sit amet ";
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, Math.max(0, n));
}

/** A chat request body in `dialect` of about `bytes` bytes whose prompt carries `d`. */
export function requestBody(
  dialect: Dialect,
  model: string,
  d: Partial<Directive>,
  stream: boolean,
  bytes = 1024,
): string {
  const directive = formatDirective(d);
  const skeleton = (text: string): unknown => {
    if (dialect === "anthropic")
      return { model, max_tokens: 1024, stream, messages: [{ role: "user", content: text }] };
    if (dialect === "openai") return { model, stream, messages: [{ role: "user", content: text }] };
    return { contents: [{ role: "user", parts: [{ text }] }] };
  };
  const base = JSON.stringify(skeleton(directive)).length;
  return JSON.stringify(skeleton(`${directive} ${pad(bytes - base - 1)}`));
}

/** A non-stream answer in `dialect` of about `size` bytes. */
export function responseBody(dialect: Dialect, size: number): string {
  const shape = (text: string): unknown => {
    if (dialect === "anthropic") {
      return {
        id: "msg_bench",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [{ type: "text", text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 20 },
      };
    }
    if (dialect === "openai") {
      return {
        id: "chatcmpl-bench",
        object: "chat.completion",
        created: 1700000000,
        model: "gpt-bench",
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
      };
    }
    return {
      candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 20, totalTokenCount: 30 },
      modelVersion: "gemini-2.5-pro",
    };
  };
  const base = JSON.stringify(shape("")).length;
  return JSON.stringify(shape(pad(size - base)));
}

/** Width of a stamp: nanoseconds zero-padded, so every event of a stream has the same size. */
const STAMP_WIDTH = 20;

/** The stamp text carried by a content event. */
export function stampText(ns: bigint): string {
  return `t=${ns.toString().padStart(STAMP_WIDTH, "0")}|`;
}

/** Finds every stamp in `text` and calls `onStamp` with its nanoseconds. */
export function scanStamps(text: string, onStamp: (ns: number) => void): void {
  let at = text.indexOf("t=");
  while (at >= 0) {
    if (text.charCodeAt(at + 2 + STAMP_WIDTH) === 0x7c /* | */) {
      const ns = Number(text.slice(at + 2, at + 2 + STAMP_WIDTH));
      if (Number.isFinite(ns)) onStamp(ns);
    }
    at = text.indexOf("t=", at + 2);
  }
}

/** The frames of one stream: `head` and `tail` are fixed; `event(text)` wraps one content chunk. */
export interface StreamFrames {
  readonly head: string;
  readonly event: (text: string) => string;
  readonly tail: string;
}

/** SSE frames for `dialect`, shaped like the real provider's stream. */
export function streamFrames(dialect: Dialect): StreamFrames {
  if (dialect === "anthropic") {
    const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    return {
      head:
        ev("message_start", {
          type: "message_start",
          message: {
            id: "msg_bench",
            type: "message",
            role: "assistant",
            model: "claude-sonnet-4-5",
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 10, output_tokens: 1 },
          },
        }) +
        ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      event: (text) =>
        ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }),
      tail:
        ev("content_block_stop", { type: "content_block_stop", index: 0 }) +
        ev("message_delta", {
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: 20 },
        }) +
        ev("message_stop", { type: "message_stop" }),
    };
  }
  if (dialect === "openai") {
    const chunk = (delta: unknown, finish: string | null) =>
      `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-bench", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    return {
      head: chunk({ role: "assistant", content: "" }, null),
      event: (text) => chunk({ content: text }, null),
      tail: chunk({}, "stop") + "data: [DONE]\n\n",
    };
  }
  const chunk = (text: string, finish?: string) =>
    `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...(finish ? { finishReason: finish } : {}) }], modelVersion: "gemini-2.5-pro" })}\n\n`;
  return { head: "", event: (text) => chunk(text), tail: chunk("", "STOP") };
}
