/**
 * `npm run bench [-- --quick] [--only a,b] [--profile [target]]` (`-- --soak [--minutes N]`: soak.ts): cliproxy against its references
 * (the fake upstream direct, nginx) in one run on one machine, in interleaved slices, reporting
 * each target's best slice, the spread, and ratios. See scripts/bench/README.md.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findNginx, NGINX_HINT, startNginx, type Nginx } from "./nginx.js";
import { runMicro } from "./micro.js";
import {
  quickCheck,
  runScenario,
  runStartup,
  runStreams,
  type Live,
  type Scenario,
  type SliceOptions,
} from "./phases.js";
import {
  childPids,
  freePort,
  killAll,
  onCleanup,
  LoadWorker,
  startFakeProcess,
  startNodeProxyProcess,
  stop,
} from "./procs.js";
import { renderProfile, summarizeProfile, type CpuProfile } from "./profile.js";
import { evaluateGoals, renderReport, type BenchResult } from "./report.js";
import { floorGoals } from "./goals.js";
import { renderTunnel, runTunnelBench, type TunnelFigures } from "./tunnel.js";
import { setCliproxyBundle, startCliproxy, TARGETS, type Cliproxy, type Kind } from "./targets.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS = join(ROOT, "scripts", "bench", "results");

/** Command-line options. */
export interface BenchOptions {
  quick: boolean;
  only?: string[];
  build: boolean;
  profile?: string;
  profileSeconds: number;
  slices?: number;
  sliceMs?: number;
  /** Run only these scenarios (names as printed). */
  scenarios?: string[];
  /** Another cliproxy bundle to measure (implies --no-build). */
  bundle?: string;
  /** Where the JSON goes (default results/latest.json). */
  out?: string;
  /** More bundles whose cliproxy targets run beside the first, as `<target>@b`, `@c`… (before/after in one run). */
  compare?: string[];
  /** Only the WebSocket tunnel bench (scripts/bench/tunnel.ts). */
  tunnel?: boolean;
}

/** Parses argv (after the script name). */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { quick: false, build: true, profileSeconds: 10 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--tunnel") o.tunnel = true;
    else if (a === "--no-build") o.build = false;
    else if (a === "--only") o.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--profile") o.profile = argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[++i] : "pass";
    else if (a === "--seconds") o.profileSeconds = Number(argv[++i]) || 10;
    else if (a === "--slices") o.slices = Number(argv[++i]) || undefined;
    else if (a === "--slice-ms") o.sliceMs = Number(argv[++i]) || undefined;
    else if (a === "--out") o.out = resolve(argv[++i] ?? "");
    else if (a === "--compare")
      o.compare = (argv[++i] ?? "")
        .split(",")
        .filter(Boolean)
        .map((f) => resolve(f));
    else if (a === "--scenarios") o.scenarios = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--bundle") {
      o.bundle = resolve(argv[++i] ?? "");
      o.build = false;
    } else
      throw new Error(
        `Unknown option "${a}"; use --quick, --tunnel, --only a,b, --scenarios a,b, --no-build, --bundle FILE, --compare FILE[,FILE], --out FILE, --slices N, --slice-ms N, --profile [target] --seconds N`,
      );
  }
  return o;
}

/** The scenarios of a run. */
export function scenarios(quick: boolean): Scenario[] {
  const all: Scenario[] = [
    {
      name: "lat-1k",
      title: "1 kB JSON answer, per-request overhead",
      connections: 1,
      load: { kind: "json", size: 1024 },
      rank: "rps",
    },
    {
      name: "lat-100k",
      title: "100 kB JSON answer",
      connections: 1,
      load: { kind: "json", size: 100 * 1024 },
      rank: "rps",
    },
    {
      name: "lat-req100k",
      title: "100 kB request (a long agent prompt), 1 kB answer",
      connections: 1,
      load: { kind: "json", size: 1024, requestBytes: 100 * 1024 },
      rank: "rps",
    },
    {
      name: "rps-1k",
      title: "1 kB JSON answer, throughput",
      connections: 64,
      load: { kind: "json", size: 1024 },
      rank: "rps",
    },
    {
      name: "rps-100k",
      title: "100 kB JSON answer, throughput",
      connections: 64,
      load: { kind: "json", size: 100 * 1024 },
      rank: "rps",
    },
    {
      name: "sse-paced",
      title: "SSE, 20 events of 100 B every 5 ms",
      connections: 16,
      load: { kind: "sse", events: 20, bytes: 100, pace: 5 },
      rank: "delay",
    },
    {
      name: "sse-fast",
      title: "SSE, 2,000 events of 100 B as fast as possible",
      connections: 4,
      load: { kind: "sse", events: 2000, bytes: 100, pace: 0 },
      rank: "eps",
    },
  ];
  return quick ? all.filter((s) => s.name !== "lat-100k" && s.name !== "lat-req100k") : all;
}

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

async function build(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => resolve(e.message));
    child.on("exit", (code) => {
      const lines = err
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const at = lines.findIndex((l) => /ERROR|error/.test(l));
      resolve(code === 0 ? undefined : `npm run build failed: ${lines.slice(Math.max(0, at), at + 2).join(" ")}`);
    });
  });
}

async function nginxVersion(bin: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(bin, ["-v"], { stdio: ["ignore", "ignore", "pipe"] });
    let out = "";
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", () => resolve(out.trim().replace(/^nginx version: /, "")));
    child.on("error", () => resolve("unknown"));
  });
}

/** Runs cliproxy with --cpu-prof under one scenario's load (default rps-1k; --scenarios picks) and prints where the time went. */
async function profile(o: BenchOptions, dir: string, fakePort: number, worker: LoadWorker): Promise<void> {
  const target = TARGETS.find((t) => t.name === o.profile);
  const mine = TARGETS.filter((t) => !["direct", "nginx", "node"].includes(t.name)).map((t) => t.name);
  if (!target || !mine.includes(target.name))
    throw new Error(`Cannot profile "${o.profile}": name a cliproxy target (${mine.join(", ")})`);
  const profDir = join(dir, "prof");
  const cp = await startCliproxy({
    dir,
    port: await freePort(),
    fakePort,
    nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir],
    tag: "prof",
    user: target.name.startsWith("user") ? "npm" : undefined,
  });
  const name = o.scenarios?.[0] ?? "rps-1k";
  const scenario = scenarios(false).find((s) => s.name === name);
  if (!scenario)
    throw new Error(
      `Cannot profile scenario "${name}": use one of ${scenarios(false)
        .map((s) => s.name)
        .join(", ")}`,
    );
  const spec = target.request(scenario.load);
  if (!spec) throw new Error(`Target "${target.name}" has no request for scenario "${name}"`);
  const mode = scenario.load.kind === "sse" ? "sse" : "request";
  const run = (ms: number) =>
    worker.run({ base: cp.base, request: spec, connections: scenario.connections, durationMs: ms, mode });
  const warm = await run(1_000);
  const r = await run(o.profileSeconds * 1000);
  const events = r.eventDelay
    ? `, ${Math.round(((r.events ?? 0) / r.elapsedMs) * 1000)} events/s, event delay p50 ${r.eventDelay.p50} ms p99 ${r.eventDelay.p99} ms`
    : "";
  log(
    `profiled ${target.name} under ${name}: ${r.rps} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${events} (${r.errors} errors${r.firstError ? `: ${r.firstError}` : ""})`,
  );
  await cp.stop();
  const file = (await readdir(profDir)).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`No .cpuprofile written in "${profDir}"`);
  await mkdir(RESULTS, { recursive: true });
  const saved = join(RESULTS, `profile-${target.name}.cpuprofile`);
  await copyFile(join(profDir, file), saved);
  // Requests served while sampling: the warm-up run, the measured run and the probe-free rest.
  const text = renderProfile(
    summarizeProfile(JSON.parse(await readFile(saved, "utf8")) as CpuProfile, 30),
    warm.ok + r.ok,
  );
  await writeFile(join(RESULTS, `profile-${target.name}.txt`), text + "\n");
  console.log(text);
  log(`\nprofile saved to ${saved} (open in Chrome DevTools → Performance, or VS Code)`);
}

async function main(): Promise<void> {
  if (process.argv.includes("--soak")) {
    // The soak (scripts/bench/soak.ts) is its own mode: one cliproxy, minutes of mixed load, RSS and fds sampled.
    const { parseSoakArgs, runSoak } = await import("./soak.js");
    const flat = await runSoak(parseSoakArgs(process.argv.slice(2)));
    process.exitCode = flat ? 0 : 1;
    return;
  }
  const o = parseBenchArgs(process.argv.slice(2));
  if (o.tunnel) return void console.log(renderTunnel(await runTunnelBench(o.quick)));
  const t0 = performance.now();
  const notes: string[] = [];
  const slice: SliceOptions = o.quick
    ? { slices: o.slices ?? 2, sliceMs: o.sliceMs ?? 300, warmupMs: 300 }
    : { slices: o.slices ?? 3, sliceMs: o.sliceMs ?? 1_200, warmupMs: 400 };
  if (o.bundle) setCliproxyBundle(o.bundle);
  if (o.build) {
    log("building dist/cliproxy.mjs");
    const failed = await build();
    if (failed) notes.push(`${failed}; cliproxy ran from an older bundle or from src via tsx`);
  }
  const dir = await mkdtemp(join(tmpdir(), "cliproxy-bench-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const fake = await startFakeProcess();
  const worker = new LoadWorker();
  let nginx: Nginx | undefined;
  let cliproxy: Cliproxy | undefined;
  const compared: Cliproxy[] = [];
  try {
    if (o.profile) return await profile(o, dir, fake.port, worker);
    const loadBefore = loadavg()
      .map((n) => n.toFixed(2))
      .join(" ");
    const nginxBin = await findNginx();
    let nginxDown: string | undefined = nginxBin ? undefined : NGINX_HINT;
    if (!nginxBin) notes.push(NGINX_HINT);
    if (nginxBin) {
      try {
        nginx = await startNginx(nginxBin, { dir, port: await freePort(), upstreamPort: fake.port });
      } catch (err) {
        nginxDown = (err as Error).message;
      }
    }
    let nodeProxy: { port: number } | undefined;
    let nodeDown: string | undefined;
    try {
      nodeProxy = await startNodeProxyProcess(fake.port, dir);
    } catch (err) {
      nodeDown = (err as Error).message;
    }
    let cliDown: string | undefined;
    try {
      cliproxy = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port });
      if (!cliproxy.bundle)
        notes.push(
          "dist/cliproxy.mjs missing: cliproxy ran from src via tsx, so start-up figures are not the bundle's",
        );
    } catch (err) {
      cliDown = `cliproxy did not start: ${(err as Error).message}`;
    }
    // As users run it (#17): `npm start` and the tsx loader the old `npm start` used, logging to a file.
    const wantsUser = (name: string) => !o.only || o.only.includes(name);
    const users = new Map<string, { base?: string; down?: string }>();
    for (const [name, way] of [
      ["user", "npm"],
      ["user-tsx", "tsx"],
    ] as const) {
      if (!wantsUser(name)) continue;
      try {
        const cp = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: name, user: way });
        compared.push(cp);
        users.set(name, { base: cp.base });
      } catch (err) {
        users.set(name, { down: (err as Error).message });
      }
    }
    // `workers: 2` (#17): the pass-through through two worker processes sharing the port.
    if (wantsUser("workers-2"))
      try {
        const cp = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "w2", workers: 2 });
        compared.push(cp);
        users.set("workers-2", { base: cp.base });
      } catch (err) {
        users.set("workers-2", { down: (err as Error).message });
      }
    const others = await Promise.all(
      (o.compare ?? []).map(async (bundle, i) => {
        const tag = String.fromCharCode(98 + i); // b, c, d…
        try {
          const cp = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, bundle, tag });
          compared.push(cp);
          return { tag, bundle, base: cp.base, down: undefined };
        } catch (err) {
          return { tag, bundle, base: undefined, down: `cliproxy ${bundle} did not start: ${(err as Error).message}` };
        }
      }),
    );
    const wanted = TARGETS.filter((t) => !o.only || o.only.includes(t.name) || t.name === "direct");
    const live: Live[] = wanted.flatMap((target): Live[] => {
      if (target.name === "direct") return [{ target, base: `http://127.0.0.1:${fake.port}` }];
      if (target.name === "nginx")
        return [{ target, base: nginx ? `http://127.0.0.1:${nginx.port}` : undefined, down: nginxDown }];
      if (target.name === "node")
        return [{ target, base: nodeProxy ? `http://127.0.0.1:${nodeProxy.port}` : undefined, down: nodeDown }];
      if (users.has(target.name)) return [{ target, ...users.get(target.name) }];
      const mine: Live = { target, base: cliproxy?.base, down: cliDown };
      return [
        mine,
        ...others.map((c) => ({
          target: { ...target, name: `${target.name}@${c.tag}`, label: `${target.label} (${c.bundle})` },
          base: c.base,
          down: c.down,
        })),
      ];
    });
    const result: BenchResult = {
      startedAt: new Date().toISOString(),
      durationMs: 0,
      quick: o.quick,
      machine: {
        cores: cpus().length,
        cpu: cpus()[0]?.model ?? "unknown",
        memGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform} ${release()}`,
        nginx: nginxBin ? await nginxVersion(nginxBin) : null,
        loadBefore,
        loadAfter: "",
      },
      options: {
        ...slice,
        quick: o.quick,
        only: o.only ?? null,
        scenarios: o.scenarios ?? null,
        bundle: o.bundle ?? null,
      },
      targets: Object.fromEntries(
        live.map((l) => [
          l.target.name,
          { label: l.target.label, available: !l.down, ...(l.down ? { reason: l.down } : {}) },
        ]),
      ),
      scenarios: [],
      streams: [],
      micro: [],
      goals: [],
      notes,
    };
    const dead = new Map<string, string>();
    let tunnelTable = "";
    let tunnel: TunnelFigures[] | undefined;
    for (const s of scenarios(o.quick).filter((x) => !o.scenarios || o.scenarios.includes(x.name))) {
      log(`scenario ${s.name}: ${s.title}, ${s.connections} connection(s)`);
      result.scenarios.push(await runScenario(worker, s, live, slice, log, dead));
    }
    const rest = !o.scenarios || o.scenarios.includes("rest");
    // "--scenarios" without "rest" skips start-up, streams and micro-benchmarks (quick A/B runs).
    if (rest) {
      const streams = o.quick ? 200 : 1000;
      const streamKind: Kind = o.quick
        ? { kind: "sse", events: 10, bytes: 100, pace: 100 }
        : { kind: "sse", events: 20, bytes: 100, pace: 250 };
      await cliproxy?.stop();
      for (const c of compared.splice(0)) await c.stop();
      cliproxy = undefined;
      log("start-up, idle memory and concurrent streams");
      const pass = TARGETS.find((t) => t.name === "pass")!;
      const st = await runStartup(worker, {
        dir,
        fakePort: fake.port,
        trials: o.quick ? 3 : 7,
        idleMs: o.quick ? 300 : 1_000,
        streams,
        streamKind,
        pass,
        log,
      });
      result.startup = st.startup;
      result.streams.push(
        st.streams ?? { target: "pass", streams, ok: 0, errors: 0, reason: st.startup.reason ?? "not run" },
      );
      if (nginx) {
        const nginxTarget = TARGETS.find((t) => t.name === "nginx")!;
        const pid = (await childPids(nginx.child.pid!))[0] ?? nginx.child.pid!;
        log(`  ${streams} concurrent streams through nginx`);
        result.streams.push(
          await runStreams(worker, {
            target: "nginx",
            base: `http://127.0.0.1:${nginx.port}`,
            spec: nginxTarget.request(streamKind)!,
            pid,
            streams,
            check: quickCheck(nginxTarget),
          }),
        );
      }
      if (nodeProxy) {
        // A fresh one, like cliproxy's: its RSS then owes nothing to the scenarios before.
        const fresh = await startNodeProxyProcess(fake.port, dir);
        const nodeTarget = TARGETS.find((t) => t.name === "node")!;
        log(`  ${streams} concurrent streams through the minimal Node.js proxy`);
        result.streams.push(
          await runStreams(worker, {
            target: "node",
            base: `http://127.0.0.1:${fresh.port}`,
            spec: nodeTarget.request(streamKind)!,
            pid: fresh.child.pid!,
            streams,
            check: quickCheck(nodeTarget),
          }),
        );
        await stop(fresh.child, 1_000);
      }
      log("translation micro-benchmarks");
      result.micro = await runMicro(o.quick ? 200 : 1_000);
      log("WebSocket tunnel: throughput and latency per frame");
      tunnel = await runTunnelBench(o.quick);
      tunnelTable = renderTunnel(tunnel);
    }
    result.machine.loadAfter = loadavg()
      .map((n) => n.toFixed(2))
      .join(" ");
    result.durationMs = Math.round(performance.now() - t0);
    result.goals = [...floorGoals(result, tunnel), ...evaluateGoals(result)];
    console.log(renderReport(result));
    if (tunnelTable) console.log(`\nWebSocket tunnel (Amp actor sockets)\n${tunnelTable}`);
    const out = o.out ?? join(RESULTS, "latest.json");
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(result, null, 2) + "\n");
    const md = out.replace(/\.json$/, "") + ".md";
    await writeFile(
      md,
      renderReport(result, true) +
        (tunnelTable ? `\n## WebSocket tunnel (Amp actor sockets)\n\n${tunnelTable}\n` : "\n"),
    );
    log(`\nresults written to ${out} and ${md}`);
  } finally {
    await cliproxy?.stop();
    for (const c of compared.splice(0)) await c.stop();
    await nginx?.stop();
    await worker.close();
    await stop(fake.child, 1_000);
    killAll(); // also removes the temp dir
  }
}

if (process.argv[1] && /bench\.ts$/.test(process.argv[1])) {
  main().catch((err: Error) => {
    console.error(`bench: ${err.message}`);
    killAll();
    process.exit(1);
  });
}
