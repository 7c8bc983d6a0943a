/**
 * The load generator: a fixed number of keep-alive connections, each sending its next request as
 * soon as the previous answer ended, for a fixed time or request count. Latency is request start
 * to last byte. For streams it also records time to first event and, per content event, the delay
 * from the upstream's stamp to its arrival here. Runs in its own process (`--worker`, driven over
 * IPC by bench.ts) so its CPU use never sits in the proxy's event loop.
 */
import { Agent, request } from "node:http";
import { Histogram, type Summary } from "./histogram.js";
import { scanStamps } from "./payloads.js";

/** One request, replayed by every connection. */
export interface RequestSpec {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What to run. */
export interface LoadOptions {
  /** http://127.0.0.1:port */
  readonly base: string;
  readonly request: RequestSpec;
  readonly connections: number;
  /** Stop starting requests after this long… */
  readonly durationMs?: number;
  /** …or after this many requests in total, whichever comes first. */
  readonly requests?: number;
  /** "sse" parses events and stamps; "request" only counts bytes. */
  readonly mode: "request" | "sse";
  /** A connection waits at most this long for one answer. */
  readonly timeoutMs?: number;
}

/** What happened. */
export interface LoadResult {
  readonly ok: number;
  readonly errors: number;
  /** The first error seen, for the report. */
  readonly firstError?: string;
  readonly elapsedMs: number;
  readonly rps: number;
  readonly bytes: number;
  /** Request start to last byte, ms. */
  readonly latency: Summary;
  /** Request start to the first complete event, ms (streams). */
  readonly ttfe?: Summary;
  /** Upstream stamp to arrival of each content event, ms (streams). */
  readonly eventDelay?: Summary;
  readonly events?: number;
}

/** Hard ceiling on any one run, whatever the options say. */
export const MAX_RUN_MS = 120_000;

/** One exchange's outcome. */
interface Exchange {
  status: number;
  bytes: number;
  firstEventNs?: number;
  text?: string;
}

/** Sends `spec` once on `agent`; in sse mode feeds every stamp to `onStamp` as its event completes. */
export function exchange(
  base: string,
  spec: RequestSpec,
  agent: Agent,
  options: { sse: boolean; keepText?: boolean; timeoutMs: number; onStamp?: (ns: number, now: number) => void },
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const headers: Record<string, string | number> = { ...spec.headers };
    if (body) headers["content-length"] = body.length;
    const req = request(
      `${base}${spec.path}`,
      { method: spec.method, headers, agent, timeout: options.timeoutMs },
      (res) => {
        const out: Exchange = { status: res.statusCode ?? 0, bytes: 0 };
        let pending = ""; // text after the last complete event
        const texts: string[] = [];
        res.on("data", (chunk: Buffer) => {
          out.bytes += chunk.length;
          if (options.keepText && out.bytes <= 1 << 20) texts.push(chunk.toString("utf8"));
          if (!options.sse) return;
          const now = Number(process.hrtime.bigint());
          pending += chunk.toString("latin1"); // stamps and separators are ASCII
          const lf = pending.lastIndexOf("\n\n");
          const crlf = pending.lastIndexOf("\r\n\r\n");
          const cut = crlf > lf ? crlf + 4 : lf + 2;
          if (lf < 0 && crlf < 0) return;
          out.firstEventNs ??= now;
          const complete = pending.slice(0, cut);
          pending = pending.slice(cut);
          if (options.onStamp) scanStamps(complete, (ns) => options.onStamp!(ns, now));
        });
        res.on("end", () => {
          if (options.keepText) out.text = texts.join("");
          resolve(out);
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Runs the load and summarises it. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: o.connections,
    maxFreeSockets: o.connections,
    scheduling: "fifo",
  });
  const latency = new Histogram();
  const ttfe = new Histogram();
  const delay = new Histogram();
  const limitMs = Math.min(o.durationMs ?? MAX_RUN_MS, MAX_RUN_MS);
  const maxRequests = o.requests ?? Infinity;
  const t0 = performance.now();
  let started = 0;
  let ok = 0;
  let errors = 0;
  let bytes = 0;
  let events = 0;
  let firstError: string | undefined;
  const onStamp = (ns: number, now: number) => {
    delay.record(now - ns);
    events++;
  };
  const loop = async () => {
    while (started < maxRequests && performance.now() - t0 < limitMs) {
      started++;
      const begin = Number(process.hrtime.bigint());
      try {
        const r = await exchange(o.base, o.request, agent, { sse: o.mode === "sse", timeoutMs, onStamp });
        bytes += r.bytes;
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        latency.record(Number(process.hrtime.bigint()) - begin);
        if (r.firstEventNs !== undefined) ttfe.record(r.firstEventNs - begin);
        ok++;
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
        // A dead target fails fast; stop rather than spin through thousands of refusals.
        if (ok === 0 && errors >= 20) return;
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections }, loop));
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return {
    ok,
    errors,
    firstError,
    bytes,
    elapsedMs: Math.round(elapsedMs),
    rps: Math.round((ok / elapsedMs) * 1000 * 10) / 10,
    latency: latency.summary(),
    ...(o.mode === "sse" ? { ttfe: ttfe.summary(), eventDelay: delay.summary(), events } : {}),
  };
}

/** A single request for a health probe: status and up to 1 MB of the answer. */
export async function probe(
  base: string,
  spec: RequestSpec,
  sse: boolean,
  timeoutMs = 5_000,
): Promise<{ status: number; text: string; stamps: number }> {
  const agent = new Agent({ keepAlive: false });
  let stamps = 0;
  try {
    const r = await exchange(base, spec, agent, { sse, keepText: true, timeoutMs, onStamp: () => stamps++ });
    return { status: r.status, text: r.text ?? "", stamps };
  } finally {
    agent.destroy();
  }
}

if (process.argv.includes("--worker") && process.send) {
  process.on("message", (msg: { id: number; options: LoadOptions }) => {
    runLoad(msg.options).then(
      (result) => process.send!({ id: msg.id, result }),
      (err: Error) => process.send!({ id: msg.id, error: err.message }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
