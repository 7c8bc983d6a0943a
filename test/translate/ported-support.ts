/**
 * Runner for the cases ported from CLIProxyAPI's translator tests (internal/translator/**\/*_test.go at
 * a7e3596b7). Each case names the Go test it comes from; facts carried over, code did not. A case with
 * `differs` encodes where cliproxy deliberately departs from the Go expectation, and why.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SseEvent } from "../../src/sse/read.ts";
import { createStreamTranslator, translateRequest, type Format, type Upstream } from "../../src/translate/hub.ts";
import type { Json } from "../../src/translate/ir.ts";

/** Marks a path that must be absent. */
export const ABSENT = Symbol("absent");

/** One ported request case: client body in, upstream body checked path by path. */
export interface RequestCase {
  from: string;
  client: Format;
  upstream: Upstream;
  model?: string;
  body: Json;
  expect: Record<string, unknown>;
  /** Where cliproxy deliberately differs from the Go expectation: the reason (spec section). */
  differs?: string;
}

/** One ported stream case: upstream events in, the client's events checked by a function. */
export interface StreamCase {
  from: string;
  client: Format;
  upstream: Upstream;
  clientRequest?: Json;
  events: Array<[string | undefined, unknown]>;
  check(out: Array<{ event?: string; data: Json | string }>): void;
  differs?: string;
}

/** The value at a dotted path (`messages.0.content.1.text`); `#` gives an array's length. */
export function at(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const key of path.split(".")) {
    if (cur === undefined || cur === null) return undefined;
    if (key === "#" && Array.isArray(cur)) return cur.length;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Registers each request case as a test named after its Go origin. */
export function requestCases(cases: readonly RequestCase[]): void {
  for (const c of cases) {
    test(`${c.from}${c.differs ? " (differs: " + c.differs + ")" : ""}`, () => {
      const out = translateRequest(c.client, c.upstream, structuredClone(c.body), c.model ?? "m");
      for (const [path, want] of Object.entries(c.expect)) {
        if (want === ABSENT) assert.equal(at(out, path), undefined, `${path} should be absent: ${JSON.stringify(out)}`);
        else assert.deepEqual(at(out, path), want, `${path}: ${JSON.stringify(out)}`);
      }
    });
  }
}

/** Registers each stream case as a test named after its Go origin. */
export function streamCases(cases: readonly StreamCase[]): void {
  for (const c of cases) {
    test(`${c.from}${c.differs ? " (differs: " + c.differs + ")" : ""}`, () => {
      const t = createStreamTranslator(c.upstream, c.client, {
        requestModel: "m",
        clientRequest: c.clientRequest ?? {},
      });
      const input: SseEvent[] = c.events.map(([event, d]) => ({
        ...(event ? { event } : {}),
        data: typeof d === "string" ? d : JSON.stringify(d),
      }));
      const out = [...input.flatMap((e) => t.push(e)), ...t.end()].map((e) => ({
        ...(e.event ? { event: e.event } : {}),
        data: e.data.startsWith("{") ? (JSON.parse(e.data) as Json) : e.data,
      }));
      c.check(out);
    });
  }
}
