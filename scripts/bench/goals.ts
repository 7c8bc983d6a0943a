/**
 * The goals of issue #17, each read against the Node floor (`node`, the 30-line node:http proxy) measured
 * in the same run: a ratio of throughput or events/s, or an added latency beside the floor's. A row whose
 * figures were not measured in this run (scenario or target left out) reads "n/a".
 */
import { rankFigure, type BenchResult, type Goal } from "./report.js";
import type { TunnelFigures } from "./tunnel.js";

type Best = NonNullable<BenchResult["scenarios"][number]["cells"][string]["best"]>;

/** Rows of the #17 table; `targets` joins with "/" and the worst of them counts. */
export function floorGoals(r: BenchResult, tunnel?: readonly TunnelFigures[]): Goal[] {
  const cell = (scenario: string, target: string): Best | undefined =>
    r.scenarios.find((s) => s.name === scenario)?.cells[target]?.best;
  const goals: Goal[] = [];
  const rows = (
    name: string,
    targets: readonly string[],
    want: string,
    limit: number,
    figure: (t: string) => number | undefined,
  ) => {
    const got = targets.map((t) => [t, figure(t)] as const).filter(([, v]) => v !== undefined) as Array<
      readonly [string, number]
    >;
    if (got.length === 0) return void goals.push({ name, want, got: "n/a", met: "n/a" });
    const worst = Math.min(...got.map(([, v]) => v));
    goals.push({ name, want, got: got.map(([t, v]) => `${t} ${v.toFixed(2)}×`).join(", "), met: worst >= limit });
  };
  const perNode = (scenario: string, rank: "rps" | "eps") => (t: string) => {
    const a = cell(scenario, t);
    const n = cell(scenario, "node");
    return a && n ? rankFigure(rank, a) / rankFigure(rank, n) : undefined;
  };
  rows(
    "pass-through 1 kB, 64 conn, req/s ÷ node (rps-1k)",
    ["pass", "pass-oai", "user"],
    "≥ 0.95×",
    0.95,
    perNode("rps-1k", "rps"),
  );
  rows("Amp management proxy GET /api/user, req/s ÷ node (rps-1k)", ["amp"], "≥ 0.95×", 0.95, perNode("rps-1k", "rps"));
  rows(
    "100 kB answers, req/s ÷ node (rps-100k)",
    ["amp-prov", "translate"],
    "≥ 0.80×",
    0.8,
    perNode("rps-100k", "rps"),
  );
  rows("SSE pass-through events/s ÷ node (sse-fast)", ["pass", "user"], "≥ 0.90×", 0.9, perNode("sse-fast", "eps"));
  rows(
    "translated SSE (Claude → OpenAI chat) events/s ÷ node (sse-fast)",
    ["translate"],
    "≥ 0.60×",
    0.6,
    perNode("sse-fast", "eps"),
  );
  const lat = (t: string) => cell("lat-1k", t)?.latency.p50;
  const d = lat("direct");
  const n = lat("node");
  for (const t of ["pass", "user"]) {
    const p = lat(t);
    const over = p !== undefined && d !== undefined && n !== undefined ? p - n : undefined;
    goals.push({
      name: `added p50 at 1 conn (lat-1k), ${t} vs node's +${n !== undefined && d !== undefined ? (n - d).toFixed(2) : "?"} ms`,
      want: "≤ floor + 0.05 ms",
      got: over === undefined ? "n/a" : `floor ${over >= 0 ? "+" : ""}${over.toFixed(2)} ms`,
      met: over === undefined ? "n/a" : over <= 0.05,
    });
  }
  const ttfe = (t: string) => cell("sse-paced", t)?.ttfe?.p50;
  const tt = ttfe("translate");
  const tp = ttfe("pass");
  goals.push({
    name: "time to first event p50, translate vs pass (sse-paced)",
    want: "≤ pass + 0.2 ms",
    got: tt !== undefined && tp !== undefined ? `pass ${(tt - tp >= 0 ? "+" : "") + (tt - tp).toFixed(2)} ms` : "n/a",
    met: tt !== undefined && tp !== undefined ? tt - tp <= 0.2 : "n/a",
  });
  const via = tunnel?.find((t) => t.path === "cliproxy")?.bytesPerSecond;
  const pipe = tunnel?.find((t) => t.path === "net pipe")?.bytesPerSecond;
  const tr = via !== undefined && pipe ? via / pipe : undefined;
  goals.push({
    name: "actor WebSocket tunnel echo bytes/s ÷ bare net pipe (tunnel.ts)",
    want: "≥ 0.90×",
    got: tr === undefined ? "n/a" : `${tr.toFixed(2)}×`,
    met: tr === undefined ? "n/a" : tr >= 0.9,
  });
  return goals;
}
