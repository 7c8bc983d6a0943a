/**
 * `npx tsx scripts/bench/cpu.ts`: CPU time the cliproxy process spends per request (rps-1k) and per event
 * (sse-fast), read from /proc/<pid>/stat (utime + stime) around a 2 s load, for three ways of running it:
 * the bench's bundle (`pass`), `npm start` with logging-to-file (`user`), and the tsx loader (`user-tsx`).
 * CPU time per unit of work moves far less than req/s when other processes share the cores (Linux only).
 *
 * `--bundles A/cliproxy.mjs,B/cliproxy.mjs [--targets pass,translate,amp] [--loads rps-1k,rps-100k,lat-1k,sse-fast]
 * [--rounds N]`: the named targets' requests against each bundle instead (before/after, rounds interleaved).
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { childPids, freePort, killAll, LoadWorker, startFakeProcess, stop } from "./procs.js";
import { startCliproxy, TARGETS, type Cliproxy, type Kind } from "./targets.js";

const ticks = async (pid: number) => {
  const f = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]); // utime, stime in clock ticks (1/100 s)
};

/** The server under npm's shell: the deepest first child. */
async function leaf(pid: number): Promise<number> {
  for (;;) {
    const c = await childPids(pid);
    if (c.length === 0) return pid;
    pid = c[0];
  }
}

const LOADS: Record<string, [Kind, number, "request" | "sse"]> = {
  "lat-1k": [{ kind: "json", size: 1024 }, 1, "request"],
  "rps-1k": [{ kind: "json", size: 1024 }, 64, "request"],
  "rps-100k": [{ kind: "json", size: 100 * 1024 }, 64, "request"],
  "sse-fast": [{ kind: "sse", events: 2000, bytes: 100, pace: 0 }, 4, "sse"],
};

function option(name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : (process.argv[i + 1] ?? "").split(",").filter(Boolean);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cliproxy-cpu-"));
  const fake = await startFakeProcess();
  const worker = new LoadWorker();
  const bundles = option("bundles")?.map((b) => resolve(b));
  const targets = option("targets") ?? (bundles ? ["pass"] : ["pass"]);
  const rounds = Number(option("rounds")?.[0] ?? 2);
  const cps: Record<string, Cliproxy> = {};
  if (bundles) {
    for (const [i, bundle] of bundles.entries()) {
      const tag = String.fromCharCode(97 + i);
      cps[`@${tag}`] = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag, bundle });
    }
  } else {
    cps.pass = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "p" });
    cps.user = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "u", user: "npm" });
    cps["user-tsx"] = await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "t", user: "tsx" });
  }
  try {
    for (const name of option("loads") ?? ["rps-1k", "sse-fast"]) {
      const [kind, connections, mode] = LOADS[name];
      for (const targetName of targets) {
        const request = TARGETS.find((t) => t.name === targetName)?.request(kind);
        if (!request) continue;
        for (let round = 1; round <= rounds; round++) {
          for (const [label, cp] of Object.entries(cps)) {
            const pid = await leaf(cp.child.pid!);
            await worker.run({ base: cp.base, request, connections, durationMs: 300, mode });
            const t0 = await ticks(pid);
            const r = await worker.run({ base: cp.base, request, connections, durationMs: 2_000, mode });
            const units = mode === "sse" ? (r.events ?? 0) : r.ok;
            const us = units > 0 ? (((await ticks(pid)) - t0) * 10_000) / units : NaN;
            const who = bundles ? `${targetName}${label}` : label;
            console.log(
              `${name} round ${round} ${who.padEnd(12)} ${String(units).padStart(7)} ${mode === "sse" ? "events" : "requests"}  ${us.toFixed(1)} µs CPU each`,
            );
          }
        }
      }
    }
  } finally {
    for (const cp of Object.values(cps)) await cp.stop();
    await worker.close();
    await stop(fake.child, 1_000);
    killAll();
  }
}

if (process.argv[1] && /cpu\.ts$/.test(process.argv[1])) void main();
