/** Shared helpers for translation fixtures: loading, running, and masking values that are random by design. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SseEvent } from "../../src/sse/read.ts";
import {
  createStreamTranslator,
  translateError,
  translateRequest,
  translateResponse,
  translateStreamToResponse,
  type Format,
  type Upstream,
} from "../../src/translate/hub.ts";

/** Fixture events keep `data` as JSON when it is JSON, so the files stay readable. */
export interface FixtureEvent {
  event?: string;
  data: unknown;
}

/** One acceptance fixture: input → exact expected output. */
export interface Fixture {
  scenario: string;
  /** `fold`: a whole upstream stream folded into one non-stream answer. */
  kind: "request" | "response" | "stream" | "fold" | "error";
  /** An upstream may be "codex" (the Responses dialect with the Codex profile). */
  from: Upstream;
  to: Upstream;
  model?: string;
  status?: number;
  opts?: { requestModel: string; clientRequest?: Record<string, unknown> };
  input: unknown;
  expected: unknown;
}

/** The fixtures directory. */
export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "translate");

/** Every fixture file, sorted by name. */
export function loadFixtures(): Array<{ file: string; fx: Fixture }> {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, fx: JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Fixture }));
}

/** A fixture event as a wire event. */
export function toSse(e: FixtureEvent): SseEvent {
  const out: SseEvent = { data: typeof e.data === "string" ? e.data : JSON.stringify(e.data) };
  if (e.event !== undefined) out.event = e.event;
  return out;
}

/** A wire event as a fixture event. */
export function fromSse(e: SseEvent): FixtureEvent {
  let data: unknown = e.data;
  try {
    data = JSON.parse(e.data);
  } catch {
    /* [DONE] and other plain text stay strings */
  }
  return e.event === undefined ? { data } : { event: e.event, data };
}

const RANDOM_ID = /^(toolu_|msg_|chatcmpl-|resp_|call_|rs_|fc_|fc_call_)[A-Za-z0-9]{24}$/;

/** Replaces generated ids with `<prefix>*` and timestamps with 0, so outputs compare exactly. */
export function mask(v: unknown): unknown {
  if (typeof v === "string") {
    const m = RANDOM_ID.exec(v);
    return m ? `${m[1]}*` : v;
  }
  if (Array.isArray(v)) return v.map(mask);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        (k === "created" || k === "created_at") && typeof x === "number" ? 0 : mask(x),
      ]),
    );
  }
  return v;
}

/** Runs a fixture and returns its masked output. */
export function runFixture(fx: Fixture): unknown {
  const opts = fx.opts ?? { requestModel: "client-model" };
  switch (fx.kind) {
    case "request":
      return mask(
        translateRequest(fx.from as Format, fx.to, fx.input as Record<string, unknown>, fx.model ?? "upstream-model"),
      );
    case "response":
      return mask(translateResponse(fx.from, fx.to as Format, fx.input as Record<string, unknown>, opts));
    case "error":
      return translateError(
        fx.to as Format,
        fx.status ?? 500,
        typeof fx.input === "string" ? fx.input : JSON.stringify(fx.input),
      );
    case "fold":
      return mask(translateStreamToResponse(fx.from, fx.to as Format, (fx.input as FixtureEvent[]).map(toSse), opts));
    case "stream": {
      const t = createStreamTranslator(fx.from, fx.to as Format, opts);
      const out = [...(fx.input as FixtureEvent[]).flatMap((e) => t.push(toSse(e))), ...t.end()];
      return mask(out.map(fromSse));
    }
  }
}
