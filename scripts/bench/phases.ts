/**
 * The bench's phases: probing targets, interleaved load slices, many concurrent streams,
 * cold start and idle memory. Each phase reports a target that does not answer as unavailable
 * (with the reason) and goes on with the rest.
 */
import type { RequestSpec, LoadResult } from "./load.js";
import { probe } from "./load.js";
import { freePort, memoryOf, spawnTracked, stop, waitHttp, type LoadWorker } from "./procs.js";
import { bestOf, type Cell, type ScenarioResult, type StartupResult, type StreamsResult } from "./report.js";
import { startCliproxy, type Kind, type Target } from "./targets.js";

/** A scenario to run against every target. */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly connections: number;
  readonly load: Kind;
  readonly rank: ScenarioResult["rank"];
}

/** Timing of the interleaved slices. */
export interface SliceOptions {
  readonly slices: number;
  readonly sliceMs: number;
  readonly warmupMs: number;
}

/** A target that is up: where to send its requests. */
export interface Live {
  readonly target: Target;
  readonly base?: string;
  /** Why it cannot be measured at all (not started). */
  readonly down?: string;
}

/** Sends one request of `kind` and says why it is not usable, or undefined when it is. */
export async function checkTarget(base: string, spec: RequestSpec, kind: Kind): Promise<string | undefined> {
  try {
    const r = await probe(base, spec, kind.kind === "sse", 5_000);
    if (r.status !== 200) return `health probe got status ${r.status}: ${r.text.replace(/\s+/g, " ").slice(0, 160)}`;
    if (kind.kind === "json" && r.text.length < kind.size / 2)
      return `health probe got ${r.text.length} bytes, expected about ${kind.size}`;
    if (kind.kind === "sse" && r.stamps < kind.events)
      return `health probe got ${r.stamps} stamped events of ${kind.events}: ${r.text.replace(/\s+/g, " ").slice(0, 160)}`;
    return undefined;
  } catch (err) {
    return `health probe failed: ${(err as Error).message}`;
  }
}

/** Runs `scenario` on every live target in interleaved slices (rotating the order each round); `dead` remembers unreachable targets across scenarios. */
export async function runScenario(
  worker: LoadWorker,
  scenario: Scenario,
  live: readonly Live[],
  o: SliceOptions,
  log: (s: string) => void,
  dead?: Map<string, string>,
): Promise<ScenarioResult> {
  const cells: Record<string, Cell> = {};
  const ready: Array<{ name: string; base: string; spec: RequestSpec }> = [];
  for (const l of live) {
    const spec = l.target.request(scenario.load);
    if (!spec) continue;
    if (l.down || !l.base) {
      cells[l.target.name] = { status: "unavailable", reason: l.down ?? "not started" };
      continue;
    }
    const gone = dead?.get(l.target.name);
    const problem = gone ?? (await checkTarget(l.base, spec, scenario.load));
    // A target that timed out or refused the connection is not probed again: each probe could cost 10 s.
    if (problem?.startsWith("health probe failed:")) dead?.set(l.target.name, problem);
    if (problem) cells[l.target.name] = { status: "unavailable", reason: problem };
    else ready.push({ name: l.target.name, base: l.base, spec });
  }
  const mode = scenario.load.kind === "sse" ? "sse" : "request";
  const run = (t: (typeof ready)[number], ms: number) =>
    worker.run({
      base: t.base,
      request: t.spec,
      connections: scenario.connections,
      durationMs: ms,
      mode,
      timeoutMs: 30_000,
    });
  for (const t of ready) await run(t, o.warmupMs);
  const slices = new Map<string, LoadResult[]>(ready.map((t) => [t.name, []]));
  for (let s = 0; s < o.slices; s++) {
    for (let i = 0; i < ready.length; i++) {
      const t = ready[(i + s) % ready.length];
      slices.get(t.name)!.push(await run(t, o.sliceMs));
    }
    log(`  ${scenario.name}: slice ${s + 1}/${o.slices} done`);
  }
  for (const t of ready) cells[t.name] = bestOf(scenario.rank, slices.get(t.name)!);
  // Report order follows the target table, whatever order probing left.
  const ordered: Record<string, Cell> = {};
  for (const l of live) if (cells[l.target.name]) ordered[l.target.name] = cells[l.target.name];
  return {
    name: scenario.name,
    title: scenario.title,
    connections: scenario.connections,
    kind: scenario.load.kind,
    rank: scenario.rank,
    cells: ordered,
  };
}

/** A short stream request, to check a target streams before a long run. */
export function quickCheck(t: Target): { spec: RequestSpec; kind: Kind } {
  const kind: Kind = { kind: "sse", events: 3, bytes: 100, pace: 0 };
  return { spec: t.request(kind)!, kind };
}

/** Runs `streams` concurrent paced streams through `base`, sampling the RSS of `pid` meanwhile. */
export async function runStreams(
  worker: LoadWorker,
  o: {
    target: string;
    base: string;
    spec: RequestSpec;
    pid: number;
    streams: number;
    check: { spec: RequestSpec; kind: Kind };
  },
): Promise<StreamsResult> {
  const problem = await checkTarget(o.base, o.check.spec, o.check.kind);
  if (problem) return { target: o.target, streams: o.streams, ok: 0, errors: 0, reason: problem };
  const before = await memoryOf(o.pid);
  let peak = before?.rssMb ?? 0;
  let sampling = true;
  const sampler = (async () => {
    // Bounded: the load itself is capped at MAX_RUN_MS, and the sampler stops with it.
    for (let i = 0; sampling && i < 10_000; i++) {
      const m = await memoryOf(o.pid);
      if (m) peak = Math.max(peak, m.rssMb);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const r = await worker.run({
    base: o.base,
    request: o.spec,
    connections: o.streams,
    requests: o.streams,
    mode: "sse",
    timeoutMs: 60_000,
  });
  sampling = false;
  await sampler;
  return {
    target: o.target,
    streams: o.streams,
    ok: r.ok,
    errors: r.errors,
    firstError: r.firstError,
    rssBeforeMb: before?.rssMb,
    peakRssMb: peak,
    eventDelay: r.eventDelay,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? undefined
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Spawns a bare node:http server the way cliproxy is spawned; ms to its first answer. */
async function nodeFloor(): Promise<number | undefined> {
  const port = await freePort();
  const code = `require("node:http").createServer((q,s)=>s.end("ok")).listen(${port},"127.0.0.1")`;
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, ["-e", code], { stdio: "ignore" });
  const ok = await waitHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 10_000, everyMs: 1, child });
  const ms = performance.now() - t0;
  await stop(child, 1_000);
  return ok ? ms : undefined;
}

/**
 * Cold start (spawn → first 200 from /healthz), the first proxied request, idle RSS; then, on that
 * same fresh process, `streams` concurrent streams for its peak RSS.
 */
export async function runStartup(
  worker: LoadWorker,
  o: {
    dir: string;
    fakePort: number;
    trials: number;
    idleMs: number;
    streams: number;
    streamKind: Kind;
    pass: Target;
    log: (s: string) => void;
  },
): Promise<{ startup: StartupResult; streams?: StreamsResult }> {
  const times: number[] = [];
  const floors: number[] = [];
  let firstProxiedMs: number | undefined;
  let idleRssMb: number | undefined;
  let streams: StreamsResult | undefined;
  let bundle = true;
  for (let i = 0; i < o.trials; i++) {
    let cp;
    try {
      cp = await startCliproxy({ dir: o.dir, port: await freePort(), fakePort: o.fakePort, tag: `cold${i}` });
    } catch (err) {
      return { startup: { bundle, coldStartMs: times, reason: (err as Error).message } };
    }
    bundle = cp.bundle;
    times.push(cp.startMs);
    const floor = await nodeFloor();
    if (floor !== undefined) floors.push(floor);
    if (i === 0) {
      const spec = o.pass.request({ kind: "json", size: 1024 })!;
      const t0 = performance.now();
      const problem = await checkTarget(cp.base, spec, { kind: "json", size: 1024 });
      if (!problem) firstProxiedMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, o.idleMs));
      idleRssMb = (await memoryOf(cp.child.pid!))?.rssMb;
      if (o.streams > 0) {
        o.log(`  ${o.streams} concurrent streams through a fresh cliproxy`);
        streams = await runStreams(worker, {
          target: "pass",
          base: cp.base,
          spec: o.pass.request(o.streamKind)!,
          pid: cp.child.pid!,
          streams: o.streams,
          check: quickCheck(o.pass),
        });
      }
    }
    await cp.stop();
  }
  return {
    startup: {
      bundle,
      coldStartMs: times,
      coldStartMedianMs: median(times),
      firstProxiedMs,
      idleRssMb,
      nodeFloorMedianMs: median(floors),
    },
    streams,
  };
}
