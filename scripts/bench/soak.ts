/**
 * `npm run soak [-- --minutes 10] [--rate 200]` (also `npm run bench -- --soak …`): one cliproxy process
 * under a steady mix of non-stream answers, streams (same-dialect and translated), client aborts
 * mid-stream and upstream resets mid-stream, all on 127.0.0.1. Every 10 s it samples the cliproxy
 * process's RSS and open file descriptors (/proc/<pid>/fd) and at the end says whether both stayed flat.
 */
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killAll } from "./procs.js";
import { BENCH_KEY, startCliproxy } from "./targets.js";
import { responseBody, streamFrames } from "./payloads.js";

/** Soak options. */
export interface SoakOptions {
  readonly seconds: number;
  readonly rate: number;
  readonly sampleEveryMs: number;
}

/** Parses `--minutes N`, `--seconds N`, `--rate N`, `--sample-seconds N`. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  let seconds = 600;
  let rate = 200;
  let sample = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const n = Number(argv[i + 1]);
    if (a === "--soak") continue;
    if (a === "--minutes" && n > 0) seconds = n * 60;
    else if (a === "--seconds" && n > 0) seconds = n;
    else if (a === "--rate" && n > 0) rate = n;
    else if (a === "--sample-seconds" && n > 0) sample = n;
    else throw new Error(`Unknown soak option "${a}"; use --minutes N, --seconds N, --rate N, --sample-seconds N`);
    i++;
  }
  return { seconds, rate, sampleEveryMs: Math.max(1, sample) * 1000 };
}

type Mix = "json" | "stream" | "translated-stream" | "client-abort" | "upstream-reset";

/** The request mix per 20 requests: mostly answers, one in ten aborted by the client, one in ten reset upstream. */
const MIX: readonly Mix[] = [
  ...Array<Mix>(8).fill("json"),
  ...Array<Mix>(5).fill("stream"),
  ...Array<Mix>(3).fill("translated-stream"),
  ...Array<Mix>(2).fill("client-abort"),
  ...Array<Mix>(2).fill("upstream-reset"),
];

const ANSWER = Buffer.from(responseBody("anthropic", 2048));
const FRAMES = streamFrames("anthropic");

/** The soak's upstream: Anthropic answers; a body containing "soak-reset" gets a stream cut by a TCP reset. */
async function startSoakUpstream(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (!text.includes('"stream":true'))
        return void res
          .writeHead(200, { "content-type": "application/json", "content-length": ANSWER.length })
          .end(ANSWER);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(FRAMES.head);
      let n = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        if (n === 3 && text.includes("soak-reset")) {
          clearInterval(timer);
          return void res.socket?.resetAndDestroy();
        }
        if (n++ < 10) return void res.write(FRAMES.event(`chunk ${n} `));
        clearInterval(timer);
        res.end(FRAMES.tail);
      }, 20);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function body(kind: Mix): { path: string; text: string; headers: Record<string, string> } {
  const msg = (extra: Record<string, unknown>) =>
    JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      messages: [{ role: "user", content: "soak" }],
      ...extra,
    });
  if (kind === "translated-stream") {
    return {
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${BENCH_KEY}` },
      text: JSON.stringify({ model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "soak" }] }),
    };
  }
  const headers = { "x-api-key": BENCH_KEY, "anthropic-version": "2023-06-01" };
  if (kind === "json") return { path: "/v1/messages", headers, text: msg({}) };
  if (kind === "upstream-reset")
    return { path: "/v1/messages", headers, text: msg({ stream: true, metadata: { user_id: "soak-reset" } }) };
  return { path: "/v1/messages", headers, text: msg({ stream: true }) };
}

/** Outcome counts of the soak's requests. */
interface Counts {
  sent: number;
  /** Not sent because MAX_IN_FLIGHT requests were still open (the machine could not keep the rate). */
  skipped: number;
  inFlight: number;
  ok: number;
  aborted: number;
  cut: number;
  failed: number;
  statuses: Record<string, number>;
}

/** At most this many requests open at once, so a slow machine measures a steady state, not a growing backlog. */
const MAX_IN_FLIGHT = 200;

function fire(port: number, agent: Agent, kind: Mix, counts: Counts): void {
  const b = body(kind);
  counts.sent++;
  counts.inFlight++;
  let open = true;
  const close = () => {
    if (open) counts.inFlight--;
    open = false;
  };
  const req = request(
    {
      host: "127.0.0.1",
      port,
      method: "POST",
      path: b.path,
      agent,
      headers: { "content-type": "application/json", ...b.headers },
    },
    (res) => {
      counts.statuses[res.statusCode ?? 0] = (counts.statuses[res.statusCode ?? 0] ?? 0) + 1;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
        if (kind === "client-abort" && text.includes("content_block_delta")) {
          counts.aborted++;
          req.destroy();
        }
      });
      res.on("close", close);
      res.on("end", () => {
        if (kind === "upstream-reset" && /event: error/.test(text)) counts.cut++;
        else if (res.statusCode === 200) counts.ok++;
        else counts.failed++;
      });
      res.on("error", () => undefined);
    },
  );
  req.on("error", () => {
    close();
    if (kind !== "client-abort") counts.failed++;
  });
  req.end(b.text);
}

/** RSS in MB and the number of open file descriptors of `pid`. */
async function sample(pid: number): Promise<{ rssMb: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssMb: Math.round(rssKb / 102.4) / 10, fds };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Runs the soak and prints its samples and verdict; resolves true when RSS and fds stayed flat. */
export async function runSoak(o: SoakOptions): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), "cliproxy-soak-"));
  const upstream = await startSoakUpstream();
  const proxy = await startCliproxy({ dir, port: await freePort(), fakePort: upstream.port, tag: "soak" });
  const pid = proxy.child.pid!;
  const baseline = await sample(pid);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const counts: Counts = { sent: 0, skipped: 0, inFlight: 0, ok: 0, aborted: 0, cut: 0, failed: 0, statuses: {} };
  const samples: Array<{ s: number; rssMb: number; fds: number }> = [];
  console.log(
    `soak: cliproxy pid ${pid} (${proxy.bundle ? "bundle" : "sources via tsx"}), ${o.rate} req/s for ${o.seconds} s; mix per 20: ${MIX.join(",")}`,
  );
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - t0;
      if (elapsed >= o.seconds * 1000) {
        clearInterval(tick);
        return done();
      }
      const due = Math.floor((elapsed * o.rate) / 1000) - counts.sent - counts.skipped;
      for (let n = 0; n < due; n++) {
        if (counts.inFlight >= MAX_IN_FLIGHT) counts.skipped++;
        else fire(proxy.port, agent, MIX[i++ % MIX.length], counts);
      }
    }, 2);
    const sampler = setInterval(async () => {
      if (performance.now() - t0 >= o.seconds * 1000) return clearInterval(sampler);
      const s = await sample(pid).catch(() => undefined);
      if (!s) return;
      const at = Math.round((performance.now() - t0) / 1000);
      samples.push({ s: at, ...s });
      console.log(
        `  t=${String(at).padStart(4)} s  rss ${s.rssMb.toFixed(1).padStart(6)} MB  fds ${String(s.fds).padStart(4)}  in flight ${String(counts.inFlight).padStart(3)}  sent ${counts.sent}  skipped ${counts.skipped}  ok ${counts.ok}  aborted ${counts.aborted}  upstream-reset→error-event ${counts.cut}  failed ${counts.failed}`,
      );
    }, o.sampleEveryMs);
  });
  // Let the last requests finish (streams take ~250 ms), then close the client side and count what stays open.
  const deadline = performance.now() + 10_000;
  while (counts.inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  agent.destroy();
  // Past the fake upstream's 5 s keep-alive timeout its idle pooled sockets are closed, so what is left is what leaked.
  await new Promise((r) => setTimeout(r, 6_000));
  const settled = await sample(pid);
  await proxy.stop();
  upstream.close();
  await rm(dir, { recursive: true, force: true });
  // Flat: the last third of the run holds no more than the middle third plus a margin (the first third is warm-up).
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mid = samples.slice(third, 2 * third);
  const last = samples.slice(-third);
  const rssMid = median(mid.map((x) => x.rssMb));
  const rssLast = median(last.map((x) => x.rssMb));
  const fdMid = median(mid.map((x) => x.fds));
  const fdLast = median(last.map((x) => x.fds));
  const rssFlat = rssLast <= rssMid * 1.1 + 5;
  // Idle again, cliproxy may keep its pooled upstream sockets (keep-alive) but nothing that grows with the request count.
  const fdsFlat = fdLast <= fdMid + 16 && settled.fds <= baseline.fds + 16;
  const rssAll = samples.map((x) => x.rssMb);
  const fdAll = samples.map((x) => x.fds);
  console.log(
    `soak: ${counts.sent} requests (${(counts.sent / o.seconds).toFixed(0)}/s sent, ${counts.skipped} skipped at ${MAX_IN_FLIGHT} in flight); statuses ${JSON.stringify(counts.statuses)}; ok ${counts.ok}, client aborts ${counts.aborted}, upstream resets answered with an error event ${counts.cut}, failed ${counts.failed}`,
  );
  console.log(
    `soak: RSS min ${Math.min(...rssAll)} / max ${Math.max(...rssAll)} MB, middle-third median ${rssMid} → last-third median ${rssLast} MB: ${rssFlat ? "flat" : "GROWING"}`,
  );
  console.log(
    `soak: fds min ${Math.min(...fdAll)} / max ${Math.max(...fdAll)}, middle ${fdMid} → last ${fdLast}, before the load ${baseline.fds}, after it ${settled.fds} (RSS ${settled.rssMb} MB): ${fdsFlat ? "flat" : "GROWING"}`,
  );
  return rssFlat && fdsFlat;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  runSoak(parseSoakArgs(process.argv.slice(2)))
    .then((flat) => {
      killAll();
      process.exit(flat ? 0 : 1);
    })
    .catch((err: Error) => {
      console.error(`soak: ${err.message}`);
      killAll();
      process.exit(2);
    });
}
