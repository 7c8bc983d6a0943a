/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) into the few lines worth reading: where the
 * time went by function (self), by function and its callees (total, cliproxy's own code only),
 * and by area (GC, node internals, cliproxy, idle).
 */

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** One row of the summary. */
export interface ProfileRow {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

/** The summary. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  readonly self: ProfileRow[];
  readonly total: ProfileRow[];
  readonly areas: ProfileRow[];
}

function shortUrl(url: string): string {
  const m = /(src\/.*|dist\/.*|node:.*|scripts\/.*)$/.exec(url);
  return m
    ? m[1]
    : url
        .replace(/^file:\/\//, "")
        .split("/")
        .slice(-2)
        .join("/");
}

function label(cf: CpuProfile["nodes"][number]["callFrame"]): string {
  const fn = cf.functionName || "(anonymous)";
  return cf.url ? `${fn} ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : fn;
}

/** The area a frame belongs to, for the coarse split. */
export function areaOf(cf: CpuProfile["nodes"][number]["callFrame"]): string {
  if (cf.functionName === "(idle)") return "idle";
  if (cf.functionName === "(garbage collector)") return "GC";
  if (cf.functionName === "(program)" || (!cf.url && cf.functionName !== "")) return "V8/native";
  if (cf.url.startsWith("node:")) return "node internals";
  if (/cliproxy\.mjs|\/src\//.test(cf.url)) return "cliproxy";
  return "other";
}

/** Summarises `p`; `top` rows per list. */
export function summarizeProfile(p: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    for (let i = 0; i < p.samples.length; i++)
      selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + Math.max(0, p.timeDeltas[i] ?? 0));
  } else {
    const interval =
      (p.endTime - p.startTime) /
      Math.max(
        1,
        p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0),
      );
    for (const n of p.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = p.nodes
    .filter((n) => n.callFrame.functionName === "(idle)")
    .reduce((s, n) => s + (selfUs.get(n.id) ?? 0), 0);
  const busyUs = Math.max(1, totalUs - idleUs);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const n of p.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0 || n.callFrame.functionName === "(idle)") continue;
    self.set(label(n.callFrame), (self.get(label(n.callFrame)) ?? 0) + us);
    areas.set(areaOf(n.callFrame), (areas.get(areaOf(n.callFrame)) ?? 0) + us);
  }
  // Inclusive time per cliproxy function: its subtree, counting each label once per stack (recursion).
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id);
    if (!n) return 0;
    let us = selfUs.get(id) ?? 0;
    const l = label(n.callFrame);
    const mine = areaOf(n.callFrame) === "cliproxy" && !onStack.has(l);
    if (mine) onStack.add(l);
    for (const c of n.children ?? []) us += walk(c, onStack);
    if (mine) {
      onStack.delete(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
    return us;
  };
  const childIds = new Set(p.nodes.flatMap((n) => n.children ?? []));
  for (const n of p.nodes) if (!childIds.has(n.id)) walk(n.id, new Set());
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / busyUs) * 1000) / 10 }));
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    self: rows(self),
    total: rows(inclusive),
    areas: rows(areas),
  };
}

/** The summary as text; with the number of requests served while sampling, also µs per request. */
export function renderProfile(s: ProfileSummary, requests?: number): string {
  const per = (ms: number) => (requests ? `  ${((ms * 1000) / requests).toFixed(1).padStart(7)} µs/req` : "");
  const list = (title: string, rows: ProfileRow[]) =>
    [
      title,
      ...rows.map(
        (r) => `  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(1).padStart(8)} ms${per(r.ms)}  ${r.name}`,
      ),
    ].join("\n");
  return [
    `profile: ${s.totalMs} ms sampled, ${s.busyMs} ms busy${requests ? ` over ${requests} requests (${per(s.busyMs).trim()})` : ""} (percentages of busy time)`,
    list("by area (self time)", s.areas),
    list("hottest functions (self time)", s.self),
    list("cliproxy functions (total time, callees included)", s.total),
  ].join("\n\n");
}
