/**
 * Counters and gauges of one replica in the Prometheus text format (version 0.0.4), so an existing
 * Prometheus sums the replicas instead of cliproxy. The workers of one replica (`workers: N`) share a port a
 * scraper cannot tell apart, so there the worker scraped sums the others' state into its answer. Requests and failures are counted by provider,
 * model and credential from every upstream attempt; tokens too, but only while usage-statistics-enabled
 * is on, because that switch also decides whether responses are parsed for usage at all (the hot path
 * stays byte-for-byte without it). Gauges are read at scrape time: open streams and requests in flight from the
 * server, and any a module registers (the WebSocket tunnel registers its open tunnels).
 * Credentials are labelled by their auth_index (as management shows it), never a key or an e-mail.
 */
import { authIndex } from "../providers/credentials.js";
import type { UsageInput } from "../providers/usage.js";
import type { App } from "../server/handler.js";

interface Series {
  requests: number;
  /** Failed attempts by upstream status. */
  failures: Record<string, number>;
  tokens: { input: number; output: number; cached: number; reasoning: number };
}

/** A gauge read when /metrics is scraped. */
export interface Gauge {
  readonly name: string;
  readonly help: string;
  read(): number;
}

/** One process's counters and gauge readings, as plain data: what another worker sends for /metrics. */
export interface MetricsState {
  readonly series: ReadonlyArray<Series & { readonly labels: Record<string, string> }>;
  readonly gauges: ReadonlyArray<{ readonly name: string; readonly help: string; readonly value: number }>;
}

/** One app's metrics. */
export interface Metrics {
  /** Adds a gauge (a name already present is replaced), e.g. `cliproxy_open_tunnels`. */
  registerGauge(gauge: Gauge): void;
  /** This process's counters and gauges now. */
  state(): MetricsState;
  /** The text exposition: this process's state summed with `others` (the other workers', with `workers: N`). */
  render(others?: readonly MetricsState[]): string;
}

/** The App slot this module owns: its metrics, from the first metricsOf() on (start() calls it at once). */
declare module "../server/handler.js" {
  interface App {
    metrics?: Metrics;
  }
}

/** Escapes a label value (backslash, quote, newline). */
export function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Record<string, string>): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(",")}}`;
}

/** The metrics of an app, counting from the first call on (start() calls it at once). */
export function metricsOf(app: App): Metrics {
  if (app.metrics) return app.metrics;
  const series = new Map<string, Series & { labels: Record<string, string> }>();
  const gauges = new Map<string, Gauge>();
  app.providers.usage.observe((input: UsageInput) => {
    const l = { provider: input.credential.provider, model: input.model, credential: authIndex(input.credential) };
    const key = JSON.stringify(l);
    let s = series.get(key);
    if (!s)
      series.set(
        key,
        (s = { labels: l, requests: 0, failures: {}, tokens: { input: 0, output: 0, cached: 0, reasoning: 0 } }),
      );
    s.requests++;
    if (input.failed) s.failures[String(input.status ?? 0)] = (s.failures[String(input.status ?? 0)] ?? 0) + 1;
    const t = input.tokens ?? {};
    s.tokens.input += t.inputTokens ?? 0;
    s.tokens.output += t.outputTokens ?? 0;
    s.tokens.cached += t.cachedTokens ?? 0;
    s.tokens.reasoning += t.reasoningTokens ?? 0;
  });
  const live = () => [...app.liveResponses]; // server/dispatch.ts keeps the set
  const builtIn: Gauge[] = [
    { name: "cliproxy_requests_in_flight", help: "HTTP requests being served now.", read: () => live().length },
    {
      name: "cliproxy_open_streams",
      help: "Streaming (text/event-stream) responses open now.",
      read: () =>
        live().filter((r) => r.headersSent && /^text\/event-stream/i.test(String(r.getHeader("content-type") ?? "")))
          .length,
    },
    {
      name: "cliproxy_open_tunnels",
      help: "Amp WebSocket tunnels (thread-actor sockets) open now.",
      read: () => app.amp.tunnels.open,
    },
  ];
  const metrics: Metrics = {
    registerGauge: (g) => void gauges.set(g.name, g),
    state: () => ({
      series: [...series.values()],
      gauges: [...builtIn, ...gauges.values()].map((g) => ({ name: g.name, help: g.help, value: g.read() })),
    }),
    render: (others = []) => renderStates([metrics.state(), ...others], app.version),
  };
  app.metrics = metrics;
  return metrics;
}

/** Sums states: series by their labels, gauges by name (in-flight requests of all workers add up). */
function sumStates(states: readonly MetricsState[]): MetricsState {
  const series = new Map<string, Series & { labels: Record<string, string> }>();
  const gauges = new Map<string, { name: string; help: string; value: number }>();
  for (const state of states) {
    for (const s of state.series) {
      const key = JSON.stringify(s.labels);
      const have = series.get(key);
      if (!have) {
        series.set(key, {
          labels: s.labels,
          requests: s.requests,
          failures: { ...s.failures },
          tokens: { ...s.tokens },
        });
        continue;
      }
      have.requests += s.requests;
      for (const [status, n] of Object.entries(s.failures)) have.failures[status] = (have.failures[status] ?? 0) + n;
      for (const k of Object.keys(have.tokens) as Array<keyof Series["tokens"]>) have.tokens[k] += s.tokens[k];
    }
    for (const g of state.gauges) {
      const have = gauges.get(g.name);
      if (have) have.value += g.value;
      else gauges.set(g.name, { ...g });
    }
  }
  return { series: [...series.values()], gauges: [...gauges.values()] };
}

function renderStates(states: readonly MetricsState[], version: string): string {
  const { series, gauges } = states.length === 1 ? states[0] : sumStates(states);
  const out: string[] = [];
  const family = (name: string, type: string, help: string) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const all = [...series].sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
  family(
    "cliproxy_upstream_requests_total",
    "counter",
    "Upstream attempts by provider, model and credential (auth_index).",
  );
  for (const s of all) out.push(`cliproxy_upstream_requests_total${labels(s.labels)} ${s.requests}`);
  family(
    "cliproxy_upstream_errors_total",
    "counter",
    "Failed upstream attempts by provider, model, credential and status.",
  );
  for (const s of all)
    for (const [status, n] of Object.entries(s.failures))
      out.push(`cliproxy_upstream_errors_total${labels({ ...s.labels, status })} ${n}`);
  family("cliproxy_tokens_total", "counter", "Tokens reported by upstreams by provider, model, credential and type.");
  for (const s of all)
    for (const [type, n] of Object.entries(s.tokens))
      out.push(`cliproxy_tokens_total${labels({ ...s.labels, type })} ${n}`);
  for (const g of gauges) {
    family(g.name, "gauge", g.help);
    out.push(`${g.name} ${g.value}`);
  }
  family("cliproxy_info", "gauge", "Always 1; the version of this replica.");
  out.push(`cliproxy_info${labels({ version })} 1`);
  return out.join("\n") + "\n";
}
