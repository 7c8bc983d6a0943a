/**
 * The bench's results: their shape (also the JSON file's), the ratios that make them meaningful on
 * a noisy machine, the goals they are read against, and the text table printed at the end.
 */
import type { Summary } from "./histogram.js";
import type { LoadResult } from "./load.js";

/** One target in one scenario: its best slice, every slice's figure and their spread. */
export interface Cell {
  readonly status: "ok" | "unavailable";
  readonly reason?: string;
  readonly best?: LoadResult;
  /** The figure slices are ranked by (req/s, events/s, or event delay p99 in ms), per slice in run order. */
  readonly slices?: readonly number[];
  /** (worst − best) / best of that figure, in percent. */
  readonly spreadPct?: number;
}

/** One load shape run against every target. */
export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly connections: number;
  readonly kind: "json" | "sse";
  /** How slices were ranked: "rps", "events/s" or "delay" (p99). */
  readonly rank: "rps" | "eps" | "delay";
  readonly cells: Readonly<Record<string, Cell>>;
}

/** Many concurrent streams through one process. */
export interface StreamsResult {
  readonly target: string;
  readonly streams: number;
  readonly ok: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly rssBeforeMb?: number;
  readonly peakRssMb?: number;
  readonly eventDelay?: Summary;
  readonly reason?: string;
}

/** Start-up cost of dist/cliproxy.mjs. */
export interface StartupResult {
  readonly bundle: boolean;
  readonly coldStartMs: readonly number[];
  readonly coldStartMedianMs?: number;
  readonly firstProxiedMs?: number;
  readonly idleRssMb?: number;
  /** A bare node:http server started the same way: the floor no Node program beats. */
  readonly nodeFloorMedianMs?: number;
  readonly reason?: string;
}

/** One translation micro-benchmark. */
export interface MicroResult {
  readonly name: string;
  readonly perOpMs?: Summary;
  readonly note: string;
  readonly reason?: string;
}

/** A goal the figures are read against (not a test: nothing fails). */
export interface Goal {
  readonly name: string;
  readonly want: string;
  readonly got: string;
  readonly met: boolean | "n/a";
}

/** Everything a run found; written as results/latest.json. */
export interface BenchResult {
  readonly startedAt: string;
  durationMs: number;
  readonly quick: boolean;
  readonly machine: Record<string, unknown>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly targets: Record<string, { label: string; available: boolean; reason?: string }>;
  readonly scenarios: ScenarioResult[];
  streams: StreamsResult[];
  startup?: StartupResult;
  micro: MicroResult[];
  goals: Goal[];
  readonly notes: string[];
}

/** a / b rounded to 2 places, or undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return Math.round((a / b) * 100) / 100;
}

/** The slice figure a cell is ranked by. */
export function rankFigure(rank: ScenarioResult["rank"], r: LoadResult): number {
  if (rank === "rps") return r.rps;
  if (rank === "eps") return Math.round(((r.events ?? 0) / r.elapsedMs) * 1000);
  // p99 is what a disturbance (another process, a GC) moves first: the calmest slice has the lowest.
  return r.eventDelay?.p99 ?? Infinity;
}

/** Picks the best slice and the spread; slices with errors only rank after those without. */
export function bestOf(rank: ScenarioResult["rank"], slices: readonly LoadResult[]): Cell {
  const usable = slices.filter((s) => s.ok > 0);
  if (usable.length === 0) return { status: "unavailable", reason: slices[0]?.firstError ?? "no successful request" };
  const figures = slices.map((s) => (s.ok > 0 ? rankFigure(rank, s) : NaN));
  const lowerIsBetter = rank === "delay";
  const better = (a: LoadResult, b: LoadResult) =>
    lowerIsBetter ? rankFigure(rank, a) < rankFigure(rank, b) : rankFigure(rank, a) > rankFigure(rank, b);
  const best = usable.reduce((a, b) => (better(b, a) ? b : a));
  const valid = figures.filter(Number.isFinite);
  const hi = Math.max(...valid);
  const lo = Math.min(...valid);
  const bestFigure = lowerIsBetter ? lo : hi;
  const spreadPct = bestFigure === 0 ? 0 : Math.round((Math.abs(hi - lo) / bestFigure) * 1000) / 10;
  return { status: "ok", best, slices: figures, spreadPct };
}

/** Lines as a column-aligned table, or a Markdown table. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], markdown = false): string {
  if (markdown) {
    const line = (cells: readonly string[]) =>
      `| ${header.map((_, i) => (cells[i] ?? "").replace(/\|/g, "\\|")).join(" | ")} |`;
    return [line(header), `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map(line)].join(
      "\n",
    );
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

const f = (n: number | undefined, digits = 3) => (n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits));
const x = (n: number | undefined) => (n === undefined ? "-" : `${n.toFixed(2)}×`);
const plus = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "-" : `${a - b >= 0 ? "+" : ""}${(a - b).toFixed(3)}`;

/** The table for one scenario. */
export function renderScenario(s: ScenarioResult, markdown = false): string {
  const direct = s.cells.direct?.best;
  const nginx = s.cells.nginx?.best;
  const node = s.cells.node?.best;
  const rows: string[][] = [];
  const header =
    s.kind === "json"
      ? [
          "target",
          "req/s",
          "p50 ms",
          "p90",
          "p99",
          "max",
          "spread",
          "÷direct",
          "÷nginx",
          "÷node",
          "+p50 vs direct",
          "+p99",
        ]
      : [
          "target",
          "streams/s",
          "events/s",
          "ttfe p50",
          "ttfe p99",
          "delay p50",
          "p99",
          "max",
          "+delay p50",
          "+p99",
          "÷nginx ev/s",
          "spread",
        ];
  const missing: string[] = [];
  for (const [name, cell] of Object.entries(s.cells)) {
    if (cell.status !== "ok" || !cell.best) {
      missing.push(`  ${name}: unavailable: ${cell.reason ?? "no reason given"}`);
      continue;
    }
    const b = cell.best;
    const spread = `${cell.spreadPct ?? 0}%`;
    if (s.kind === "json") {
      rows.push([
        name,
        b.rps.toFixed(0),
        f(b.latency.p50),
        f(b.latency.p90),
        f(b.latency.p99),
        f(b.latency.max),
        spread,
        x(ratio(b.rps, direct?.rps)),
        x(ratio(b.rps, nginx?.rps)),
        x(ratio(b.rps, node?.rps)),
        plus(b.latency.p50, direct?.latency.p50),
        plus(b.latency.p99, direct?.latency.p99),
      ]);
    } else {
      const eps = rankFigure("eps", b);
      const d = b.eventDelay;
      rows.push([
        name,
        b.rps.toFixed(1),
        String(eps),
        f(b.ttfe?.p50),
        f(b.ttfe?.p99),
        f(d?.p50),
        f(d?.p99),
        f(d?.max),
        plus(d?.p50, direct?.eventDelay?.p50),
        plus(d?.p99, direct?.eventDelay?.p99),
        x(ratio(eps, nginx ? rankFigure("eps", nginx) : undefined)),
        spread,
      ]);
    }
  }
  const title = `${s.name}: ${s.title}, ${s.connections} connection${s.connections === 1 ? "" : "s"} (best of interleaved slices; ms)`;
  if (markdown)
    return [
      `**${title}**`,
      "",
      ...(rows.length ? [renderTable(header, rows, true)] : []),
      ...missing.map((m) => `\n${m.trim()}`),
    ].join("\n");
  return [title, ...(rows.length ? [renderTable(header, rows)] : []), ...missing].join("\n");
}

/** Reads the figures against the project's goals. */
export function evaluateGoals(r: BenchResult): Goal[] {
  const cell = (scenario: string, target: string) => r.scenarios.find((s) => s.name === scenario)?.cells[target]?.best;
  const goals: Goal[] = [];
  const add = (
    name: string,
    want: string,
    value: number | undefined,
    limit: number,
    higherIsBetter = false,
    unit = "ms",
  ) => {
    const digits = unit === "%" || Math.abs(value ?? 0) >= 100 ? 0 : Math.abs(value ?? 0) >= 10 ? 1 : 3;
    const got = value === undefined ? "n/a" : `${value.toFixed(digits)} ${unit}`;
    goals.push({
      name,
      want,
      got,
      met: value === undefined ? "n/a" : higherIsBetter ? value >= limit : value <= limit,
    });
  };
  const lat = (t: string) => cell("lat-1k", t)?.latency;
  const d = lat("direct");
  const p = lat("pass");
  add("added latency p50 at 1 connection (pass − direct)", "≤ 0.3 ms", p && d ? p.p50 - d.p50 : undefined, 0.3);
  add("added latency p99 at 1 connection (pass − direct)", "≤ 1 ms", p && d ? p.p99 - d.p99 : undefined, 1);
  const pr = cell("rps-1k", "pass")?.rps;
  const nr = cell("rps-1k", "nginx")?.rps;
  add("pass-through req/s at 64 connections vs nginx", "≥ 80%", pr && nr ? (pr / nr) * 100 : undefined, 80, true, "%");
  const sd = cell("sse-paced", "direct")?.eventDelay;
  const sp = cell("sse-paced", "pass")?.eventDelay;
  add("SSE per-event added delay p99 (pass − direct)", "≤ 0.5 ms", sd && sp ? sp.p99 - sd.p99 : undefined, 0.5);
  const streams = r.streams.find((s) => s.target === "pass");
  add(
    `${streams?.streams ?? 1000} concurrent streams, cliproxy peak RSS`,
    "≤ 200 MB",
    streams?.peakRssMb,
    200,
    false,
    "MB",
  );
  add(
    "cold start of dist/cliproxy.mjs to first served request (median)",
    "≤ 150 ms",
    r.startup?.coldStartMedianMs,
    150,
  );
  add("idle RSS", "≤ 60 MB", r.startup?.idleRssMb, 60, false, "MB");
  return goals;
}

const signed = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(2)}`;

/** One row per target with the figures that matter most, each as a ratio or an added cost. */
export function renderSummary(r: BenchResult, markdown = false): string | undefined {
  const cell = (scenario: string, target: string) => r.scenarios.find((s) => s.name === scenario)?.cells[target]?.best;
  const names = Object.keys(r.targets);
  if (r.scenarios.length === 0) return undefined;
  const added = (scenario: string, t: string, q: "p50" | "p99") => {
    const a = cell(scenario, t)?.latency[q];
    const d = cell(scenario, "direct")?.latency[q];
    return a === undefined || d === undefined ? "-" : signed(a - d);
  };
  const rps = (scenario: string, t: string) => {
    const b = cell(scenario, t)?.rps;
    if (b === undefined) return "-";
    const vs = (ref: string) => (cell(scenario, ref) ? x(ratio(b, cell(scenario, ref)?.rps)) : "-");
    return `${b.toFixed(0)} (${vs("nginx")} / ${vs("node")})`;
  };
  const delay = (t: string) => {
    const d = cell("sse-paced", t)?.eventDelay;
    const base = cell("sse-paced", "direct")?.eventDelay;
    return d && base ? `${signed(d.p50 - base.p50)} / ${signed(d.p99 - base.p99)}` : "-";
  };
  const eps = (t: string) => {
    const b = cell("sse-fast", t);
    const n = cell("sse-fast", "nginx");
    return b
      ? `${Math.round(rankFigure("eps", b) / 1000)}k (${n ? x(ratio(rankFigure("eps", b), rankFigure("eps", n))) : "-"})`
      : "-";
  };
  const rows = names.map((t) => [
    t,
    added("lat-1k", t, "p50"),
    added("lat-1k", t, "p99"),
    added("lat-req100k", t, "p50"),
    rps("rps-1k", t),
    rps("rps-100k", t),
    delay(t),
    eps(t),
  ]);
  const header = [
    "target",
    "+p50 1 kB, 1 conn",
    "+p99",
    "+p50 100 kB prompt",
    "req/s 1 kB, 64 conn (÷nginx / ÷node)",
    "req/s 100 kB, 64 conn",
    "SSE +delay p50 / p99",
    "SSE events/s (÷nginx)",
  ];
  return renderTable(header, rows, markdown);
}

/** For scale: what the minimal Node.js proxy reaches on the same goals, when it ran. */
export function nodeScale(r: BenchResult): string | undefined {
  const cell = (scenario: string, target: string) => r.scenarios.find((s) => s.name === scenario)?.cells[target]?.best;
  const node = cell("rps-1k", "node")?.rps;
  const nginx = cell("rps-1k", "nginx")?.rps;
  const pass = cell("rps-1k", "pass")?.rps;
  const added = (t: string) => {
    const a = cell("lat-1k", t)?.latency.p50;
    const d = cell("lat-1k", "direct")?.latency.p50;
    return a !== undefined && d !== undefined ? `${(a - d).toFixed(3)} ms` : "n/a";
  };
  if (node === undefined) return undefined;
  const pct = (a?: number, b?: number) => (a && b ? `${Math.round((a / b) * 100)}%` : "n/a");
  return `for scale: the minimal Node.js proxy reaches ${pct(node, nginx)} of nginx's req/s at 64 connections and adds ${added("node")} p50 at 1 connection; cliproxy pass-through reaches ${pct(pass, node)} of the Node proxy's req/s`;
}

/** The whole report, as text for the terminal or Markdown (results/latest.md, for the README). */
export function renderReport(r: BenchResult, markdown = false): string {
  const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
    renderTable(header, rows, markdown);
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `cliproxy bench ${r.quick ? "(quick) " : ""}— ${m.cores} cores (${m.cpu}), Node ${m.node}, load ${m.loadBefore} → ${m.loadAfter}, ${Math.round(r.durationMs / 1000)} s`,
  );
  const section = (title: string) => out.push("", markdown ? `**${title}**\n` : title);
  if (markdown) out.push("");
  for (const [name, t] of Object.entries(r.targets))
    out.push(
      `${markdown ? `- \`${name}\`` : `  ${name.padEnd(10)}`} ${t.label}${t.available ? "" : ` — unavailable: ${t.reason}`}`,
    );
  const summary = renderSummary(r, markdown);
  if (summary) {
    section("summary (ms added over direct; ratios of req/s; best slices)");
    out.push(summary);
  }
  for (const s of r.scenarios) out.push("", renderScenario(s, markdown));
  if (r.streams.length) {
    section(
      "concurrent paced streams (RSS of a fresh cliproxy, of the nginx worker, of a fresh minimal Node.js proxy)",
    );
    out.push(
      table(
        ["target", "streams", "ok", "errors", "RSS before MB", "peak RSS MB", "delay p50", "p99", "max"],
        r.streams
          .filter((s) => !s.reason)
          .map((s) => [
            s.target,
            String(s.streams),
            String(s.ok),
            String(s.errors),
            f(s.rssBeforeMb, 1),
            f(s.peakRssMb, 1),
            f(s.eventDelay?.p50),
            f(s.eventDelay?.p99),
            f(s.eventDelay?.max),
          ]),
      ),
    );
    for (const s of r.streams) if (s.reason) out.push(`  ${s.target}: unavailable: ${s.reason}`);
  }
  const st = r.startup;
  if (st) {
    out.push(
      "",
      st.reason
        ? `start-up: unavailable: ${st.reason}`
        : `start-up (${st.bundle ? "dist/cliproxy.mjs" : "src via tsx, no bundle"}): cold start median ${f(st.coldStartMedianMs, 1)} ms ` +
            `(trials ${st.coldStartMs.map((v) => v.toFixed(0)).join(", ")}; bare node:http server ${f(st.nodeFloorMedianMs, 1)} ms), ` +
            `first proxied request ${f(st.firstProxiedMs, 2)} ms, idle RSS ${f(st.idleRssMb, 1)} MB`,
    );
  }
  if (r.micro.length) {
    section("translation micro-benchmarks (in-process, per operation)");
    out.push(
      table(
        ["benchmark", "ops", "p50 ms", "p99", "mean", "note"],
        r.micro
          .filter((b) => !b.reason)
          .map((b) => [
            b.name,
            String(b.perOpMs?.count ?? 0),
            f(b.perOpMs?.p50),
            f(b.perOpMs?.p99),
            f(b.perOpMs?.mean),
            b.note,
          ]),
      ),
    );
    for (const b of r.micro) if (b.reason) out.push(`  ${b.name}: unavailable: ${b.reason}`);
  }
  section("goals (read, not asserted)");
  out.push(
    table(
      ["goal", "want", "got", ""],
      r.goals.map((g) => [g.name, g.want, g.got, g.met === "n/a" ? "n/a" : g.met ? "met" : "MISSED"]),
    ),
  );
  const scale = nodeScale(r);
  if (scale) out.push(markdown ? `\n${scale}` : scale);
  for (const n of r.notes) out.push(markdown ? `\nNote: ${n}` : `note: ${n}`);
  return out.join("\n");
}
