/**
 * `npx tsx scripts/bench/cpu.ts`: CPU time the cliproxy process spends per request (rps-1k) and per event
 * (sse-fast), read from /proc/<pid>/stat (utime + stime) around a 2 s load, for three ways of running it:
 * the bench's bundle (`pass`), `npm start` with logging-to-file (`user`), and the tsx loader (`user-tsx`).
 * CPU time per unit of work moves far less than req/s when other processes share the cores (Linux only).
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cliproxy-cpu-"));
  const fake = await startFakeProcess();
  const worker = new LoadWorker();
  const pass = TARGETS.find((t) => t.name === "pass")!;
  const cps: Record<string, Cliproxy> = {
    pass: await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "p" }),
    user: await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "u", user: "npm" }),
    "user-tsx": await startCliproxy({ dir, port: await freePort(), fakePort: fake.port, tag: "t", user: "tsx" }),
  };
  const loads: Array<[string, Kind, number, "request" | "sse"]> = [
    ["rps-1k", { kind: "json", size: 1024 }, 64, "request"],
    ["sse-fast", { kind: "sse", events: 2000, bytes: 100, pace: 0 }, 4, "sse"],
  ];
  try {
    for (const [name, kind, connections, mode] of loads) {
      for (let round = 1; round <= 2; round++) {
        for (const [target, cp] of Object.entries(cps)) {
          const pid = await leaf(cp.child.pid!);
          const request = pass.request(kind)!;
          await worker.run({ base: cp.base, request, connections, durationMs: 300, mode });
          const t0 = await ticks(pid);
          const r = await worker.run({ base: cp.base, request, connections, durationMs: 2_000, mode });
          const units = mode === "sse" ? (r.events ?? 0) : r.ok;
          const us = units > 0 ? (((await ticks(pid)) - t0) * 10_000) / units : NaN;
          console.log(
            `${name} round ${round} ${target.padEnd(8)} ${String(units).padStart(7)} ${mode === "sse" ? "events" : "requests"}  ${us.toFixed(1)} µs CPU each`,
          );
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
