/**
 * Upstream event streams to the client, event by event (providers.md §1.4, §4.5). Same-dialect events
 * are forwarded as their original bytes the moment their blank line arrives; rewritten or translated
 * events are re-serialised one at a time. The response head is written with the first event, so a
 * stream that fails before it can still be retried or answered with a normal HTTP error; after it, a
 * failure becomes one terminal error event in the client's dialect, never a silent cut.
 *
 * Not stream.pipeline(): on an upstream failure pipeline() destroys the client response, and the
 * terminal error event could not be written. Backpressure is kept by hand instead: the upstream is
 * read with for-await (pulled only when we are ready) and every client write waits for 'drain'.
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SseFramer, SseParser, type SseEvent } from "../sse/read.js";
import { formatComment, formatEvent, SSE_HEADERS } from "../sse/write.js";
import type { Format, StreamTranslator } from "../translate/hub.js";
import { isClientStreamError, streamErrorStatus } from "../translate/errors.js";
import { decodedBody, MAX_UPSTREAM_BODY, UpstreamError } from "../proxy/forward.js";
import { nestsDeeperThan } from "../proxy/json-scan.js";
import type { ResponseRewriter } from "../providers/types.js";
import { endStreamWithError } from "./reply.js";

/** How to pump one upstream stream. */
export interface PumpOptions {
  readonly upstream: IncomingMessage;
  readonly res: ServerResponse;
  readonly signal: AbortSignal;
  /** The client's dialect: decides the terminal error event. */
  readonly client: Format;
  /** Upstream host, for error messages. */
  readonly host: string;
  /** Cross-dialect streams: the translator; absent = same dialect. */
  readonly translator?: StreamTranslator;
  readonly rewrite?: ResponseRewriter;
  /** True when this event completes the upstream stream (a close before it is a truncation). */
  isFinal(event: string | undefined, data: unknown): boolean;
  /** Takes each event's data out of an upstream envelope (Code Assist); the event is then re-serialised. */
  unwrap?(data: unknown): unknown;
  /** Every upstream event's data (parsed JSON, or the raw text), e.g. for usage. */
  onData?(data: unknown): void;
  /** Called once, when the first byte goes to the client. */
  onFirstByte?(): void;
  /** `streaming.keepalive-seconds` in ms; 0 = off. */
  readonly keepaliveMs: number;
  /** Extra response headers (passthrough-headers). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Gemini `streamGenerateContent` without `alt=sse`: answer one JSON array of the chunks. */
  readonly jsonArray?: boolean;
}

/**
 * Words without which a same-dialect event cannot matter to the pump: usage (usage, usageMetadata), an error
 * (event, type or key "error", response.failed), the end (message_stop, [DONE], response.completed/incomplete,
 * finishReason, blockReason) or a Responses sequence_number. An event holding none of them is forwarded as its
 * bytes without being parsed (#17: parsing every event cost 5× the framing); a false hit only costs a parse.
 */
const MUST_READ = [
  "usage",
  "error",
  "sequence_number",
  "message_stop",
  "[DONE]",
  "response.completed",
  "response.incomplete",
  "finishReason",
  "blockReason",
].map((w) => Buffer.from(w));

/** True when `raw` may hold something the pump must read (see MUST_READ). */
export function mustRead(raw: Buffer): boolean {
  for (const w of MUST_READ) if (raw.includes(w)) return true;
  return false;
}

/** The pump's result: done (the client got a complete or terminated stream) or failed before any byte. */
export type PumpResult =
  { readonly kind: "done" } | { readonly kind: "failed"; readonly status: number; readonly body: string };

/** An event's data as JSON when it is JSON, else the text itself (e.g. `[DONE]`). */
export function eventData(e: SseEvent): unknown {
  const t = e.data.trimStart();
  // Nesting past the bound stays text: the translators' recursion must never see it (proxy/json-scan.ts).
  if ((t[0] !== "{" && t[0] !== "[") || nestsDeeperThan(t)) return e.data;
  try {
    return JSON.parse(e.data);
  } catch {
    return e.data;
  }
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const ANTHROPIC_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The HTTP status an in-stream error event stands for, or undefined when the event is not an error. */
export function errorEventStatus(e: SseEvent, data: unknown): number | undefined {
  const d = asObject(data);
  const err = asObject(d?.error) ?? asObject(asObject(d?.response)?.error);
  if (e.event !== "error" && d?.type !== "error" && d?.type !== "response.failed" && !err) return undefined;
  const code = err?.code ?? d?.code;
  if (typeof code === "number" && code >= 400 && code < 600) return code;
  const type = typeof err?.type === "string" ? err.type : typeof d?.error_type === "string" ? d.error_type : undefined;
  // A typed error (Codex: invalid_request, cyber_policy, rate_limit_exceeded…) keeps its meaning; an untyped one is a bad gateway.
  const codeText = typeof code === "string" ? code : undefined;
  return (
    ANTHROPIC_STATUS[type ?? ""] ?? (isClientStreamError(type, codeText) ? streamErrorStatus(type, codeText) : 502)
  );
}

/** Pipes an upstream event stream to the client; see the file comment for the failure rules. */
export async function pumpStream(o: PumpOptions): Promise<PumpResult> {
  const { res, signal } = o;
  const framer = new SseFramer();
  let headSent = false;
  let arrayOpen = false;
  let ended = false;
  let lastSequence: number | undefined;
  let keepalive: NodeJS.Timeout | undefined;

  const write = async (chunk: string | Buffer): Promise<void> => {
    if (!headSent) {
      headSent = true;
      res.writeHead(200, { ...o.headers, ...(o.jsonArray ? { "content-type": "application/json" } : SSE_HEADERS) });
      o.onFirstByte?.();
      if (o.keepaliveMs > 0 && !o.jsonArray) {
        keepalive = setInterval(() => res.write(formatComment("keep-alive")), o.keepaliveMs);
        keepalive.unref();
      }
    }
    if (!res.write(chunk)) await once(res, "drain", { signal });
  };

  /** Writes one client event: its original bytes when given, else re-serialised (or an array element). */
  const emit = async (e: SseEvent, raw?: Buffer): Promise<void> => {
    if (o.jsonArray) {
      await write(`${arrayOpen ? "," : "["}${e.data}`);
      arrayOpen = true;
      return;
    }
    await write(raw ?? formatEvent(e));
  };

  /** The event with the rewriter applied to its JSON object data; `data` is that data parsed, when at hand. */
  const rewritten = (e: SseEvent, data?: unknown): SseEvent | undefined => {
    if (!o.rewrite) return undefined;
    const json = asObject(data === undefined ? eventData(e) : data);
    return json ? { ...e, data: JSON.stringify(o.rewrite.event(json)) } : undefined;
  };

  // Translated and rewritten events of one upstream chunk go out in one write (#17: a write per event was a
  // syscall per event); the batch is written when the chunk is done, so no event waits for the next upstream bytes.
  let batch: string[] = [];
  /** Queues a translated event, rewritten when a rewriter is set. */
  const emitTranslated = (t: SseEvent): void => queue(rewritten(t) ?? t);
  const queue = (e: SseEvent): void => {
    if (!o.jsonArray) batch.push(formatEvent(e));
    else {
      batch.push(`${arrayOpen ? "," : "["}${e.data}`);
      arrayOpen = true;
    }
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const text = batch.length === 1 ? batch[0] : batch.join("");
    batch = [];
    await write(text);
  };

  // One parser for the whole stream: the framer's pieces end on event boundaries, so each push yields that piece's events.
  const parser = new SseParser();

  /** Handles one framed piece; `whole` is false for a last piece that lacked its blank line. */
  // Same dialect, nothing to rewrite or unwrap: events that need no reading go out unparsed (see mustRead).
  const skim = !o.translator && !o.rewrite && !o.unwrap && !o.jsonArray;
  const handle = (raw: Buffer, whole: boolean): Promise<PumpResult | undefined> =>
    handleEvents(whole ? parser.push(raw) : [...parser.push(raw), ...parser.end()], raw, whole);
  /** Handles parsed events; `raw` is their piece's bytes when framed (same dialect), absent when translated. */
  const handleEvents = async (
    events: SseEvent[],
    raw: Buffer | undefined,
    whole: boolean,
  ): Promise<PumpResult | undefined> => {
    if (events.length === 0) {
      // Upstream comments (keep-alives) pass through on same-dialect SSE streams, rewritten ones too (amp.md PR-18:
      // every line is relayed, JSON data lines rewritten).
      if (raw && whole && !o.translator && !o.jsonArray && (headSent || batch.length > 0)) {
        await flush();
        await write(raw);
      }
      return undefined;
    }
    for (const parsed of events) {
      // Each event is parsed once; its data travels on as an object from here.
      const sent = eventData(parsed);
      const data = o.unwrap?.(sent) ?? sent;
      const unwrapped = data !== sent;
      // An unwrapped event gets its new text only where text is needed (a rewriter serialises its own).
      const text = (): SseEvent => (unwrapped ? { ...parsed, data: JSON.stringify(data) } : parsed);
      o.onData?.(data);
      const seq = asObject(data)?.sequence_number;
      if (typeof seq === "number") lastSequence = seq;
      const errStatus = errorEventStatus(parsed, data);
      // Queued translated events count as sent: the client will get them, then the terminal error event.
      if (errStatus !== undefined && !headSent && batch.length === 0)
        return { kind: "failed", status: errStatus, body: text().data };
      if (errStatus !== undefined || o.isFinal(parsed.event, data)) ended = true;
      if (o.translator) {
        // The data parsed above goes along, so the translator does not parse the event a second time.
        for (const t of o.translator.push(text(), data)) emitTranslated(t);
        continue;
      }
      const out = rewritten(parsed, data);
      // An unterminated last event is re-serialised with its blank line: clients drop events cut at EOF.
      if (out) queue(out);
      else {
        await flush();
        await emit(text(), whole && events.length === 1 && !unwrapped ? raw : undefined);
      }
    }
    return undefined;
  };

  let problem: string | undefined;
  let status = 502;
  try {
    try {
      // Some gateways gzip event streams: events are framed from the decoded bytes.
      for await (const chunk of decodedBody(o.upstream)) {
        if (o.translator) {
          // A translator needs events, not their bytes: parsed straight from the chunk, without framing first.
          const failed = await handleEvents(parser.push(chunk as Buffer), undefined, true);
          if (failed) return stopEarly(o.upstream, failed);
          await flush();
          continue;
        }
        // Events that need no reading (see mustRead) go out as their bytes, unparsed, those of one chunk in one write.
        let run: Buffer[] = [];
        for (const raw of framer.push(chunk as Buffer)) {
          if (skim && headSent && !mustRead(raw)) {
            run.push(raw);
            continue;
          }
          if (run.length > 0) await write(run.length === 1 ? run[0] : Buffer.concat(run));
          run = [];
          const failed = await handle(raw, true);
          if (failed) return stopEarly(o.upstream, failed);
        }
        if (run.length > 0) await write(run.length === 1 ? run[0] : Buffer.concat(run));
        await flush();
      }
      for (const raw of framer.end()) {
        const failed = await handle(raw, false);
        if (failed) return stopEarly(o.upstream, failed);
      }
      if (o.translator) {
        const failed = await handleEvents(parser.end(), undefined, false);
        if (failed) return stopEarly(o.upstream, failed);
      }
      await flush();
      if (!ended) problem = `Upstream "${o.host}" ended the stream before completion`;
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof UpstreamError) {
        // The idle timeout (proxy/forward.ts): say so, as a timeout, and the upstream socket is already destroyed.
        status = err.status;
        problem = err.message;
      } else
        problem = `Upstream "${o.host}" failed mid-stream: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
    await flush();
    if (problem === undefined) {
      if (o.translator) for (const t of o.translator.end()) emitTranslated(t);
      await flush();
      if (o.jsonArray) await write(arrayOpen ? "]" : "[]");
      if (!headSent) await write("");
      res.end();
      return { kind: "done" };
    }
    if (!headSent) return { kind: "failed", status, body: problem };
    // After the first byte the status is sent: the only honest signal left is a terminal error event.
    endStreamWithError(res, o.client, status, problem, {
      jsonArray: o.jsonArray === true,
      arrayOpen,
      sequence: lastSequence === undefined ? undefined : lastSequence + 1,
    });
    return { kind: "done" };
  } finally {
    if (keepalive) clearInterval(keepalive);
  }
}

function stopEarly(upstream: IncomingMessage, failed: PumpResult): PumpResult {
  upstream.destroy();
  return failed;
}

/** A whole upstream event stream: its events and, at the same index, each one's data parsed once (eventData). */
export interface CollectedEvents {
  readonly events: SseEvent[];
  readonly data: unknown[];
}

/**
 * Reads a whole upstream event stream into its events (upstreams that always stream, non-stream clients);
 * past `maxBytes` it gives up, as a whole body read does, so an endless stream cannot exhaust memory.
 */
export async function collectEvents(
  upstream: IncomingMessage,
  onData?: (data: unknown) => void,
  maxBytes = MAX_UPSTREAM_BODY,
): Promise<CollectedEvents> {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  let size = 0;
  for await (const chunk of decodedBody(upstream)) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      upstream.destroy();
      throw new RangeError(`its event stream is larger than ${maxBytes} bytes`);
    }
    out.push(...parser.push(chunk as Buffer));
  }
  out.push(...parser.end());
  const data = out.map(eventData);
  if (onData) for (const d of data) onData(d);
  return { events: out, data };
}
