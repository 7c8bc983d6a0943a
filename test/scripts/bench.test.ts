import { after, test } from "node:test";
import assert from "node:assert/strict";
import { bucketLow, bucketOf, Histogram } from "../../scripts/bench/histogram.js";
import {
  formatDirective,
  parseDirective,
  requestBody,
  responseBody,
  scanStamps,
  stampText,
} from "../../scripts/bench/payloads.js";
import { startFakeUpstream } from "../../scripts/bench/fake-upstream.js";
import { startNodeProxy } from "../../scripts/bench/node-proxy.js";
import { probe, runLoad } from "../../scripts/bench/load.js";
import { bestOf, evaluateGoals, ratio, renderReport, type BenchResult } from "../../scripts/bench/report.js";
import { findNginx, nginxConf, startNginx } from "../../scripts/bench/nginx.js";
import { freePort, LoadWorker, startFakeProcess, stop } from "../../scripts/bench/procs.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderProfile, summarizeProfile } from "../../scripts/bench/profile.js";
import { runScenario, type Live } from "../../scripts/bench/phases.js";
import { runMicro } from "../../scripts/bench/micro.js";
import { parseBenchArgs } from "../../scripts/bench/bench.js";
import { TARGETS, cliproxyConfig } from "../../scripts/bench/targets.js";
import type { LoadResult } from "../../scripts/bench/load.js";

test("bucketOf() puts every value in the bucket whose range holds it, across power-of-two edges", () => {
  for (const v of [
    0,
    1,
    127,
    128,
    129,
    255,
    256,
    257,
    1023,
    1024,
    65_535,
    65_536,
    999_999,
    2 ** 32 - 1,
    2 ** 32,
    6e10,
  ]) {
    const i = bucketOf(v);
    assert.ok(bucketLow(i) <= v, `low of ${v}`);
    assert.ok(v < bucketLow(i + 1), `next low above ${v}`);
  }
});

test("Histogram percentiles are within 1.6% of the exact order statistics", () => {
  const h = new Histogram();
  const values = Array.from({ length: 10_000 }, (_, i) => (i + 1) * 1_000); // 1 µs .. 10 ms
  for (const v of values.slice().reverse()) h.record(v);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = values[Math.ceil(q * values.length) - 1];
    assert.ok(Math.abs(h.percentile(q) - exact) / exact <= 0.016, `p${q * 100}: ${h.percentile(q)} vs ${exact}`);
  }
  assert.equal(h.percentile(1), 10_000_000);
  const s = h.summary();
  assert.equal(s.count, 10_000);
  assert.equal(s.min, 0.001);
  assert.equal(s.max, 10);
  assert.equal(s.mean, 5.0005);
});

test("Histogram clamps percentiles to the recorded range, merges, and summarises empty as zeros", () => {
  const a = new Histogram();
  assert.deepEqual(a.summary(), { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  a.record(1_000_003);
  assert.equal(a.percentile(0.5), 1_000_003);
  const b = new Histogram();
  b.record(-5);
  b.record(3_000_000);
  a.merge(b);
  assert.equal(a.count, 3);
  assert.equal(a.min, 0);
  assert.equal(a.max, 3_000_000);
});

test("parseDirective() reads what formatDirective() wrote and ignores out-of-range fields", () => {
  assert.deepEqual(parseDirective(`hello ${formatDirective({ size: 5, events: 7, bytes: 9, pace: 0 })} tail`), {
    size: 5,
    events: 7,
    bytes: 9,
    pace: 0,
  });
  assert.deepEqual(parseDirective("bench:size=-1,events=abc,pace=3;"), { size: 1024, events: 20, bytes: 100, pace: 3 });
  assert.equal(parseDirective("no directive").size, 1024);
});

test("scanStamps() finds stamps inside JSON-encoded event text", () => {
  const seen: number[] = [];
  scanStamps(JSON.stringify({ text: `${stampText(123456789n)}pad` }) + `t=12|` + stampText(5n), (ns) => seen.push(ns));
  assert.deepEqual(seen, [123456789, 5]);
});

test("requestBody() and responseBody() come close to the sizes asked for, in every dialect", () => {
  for (const d of ["anthropic", "openai", "gemini"] as const) {
    assert.ok(Math.abs(requestBody(d, "m", { size: 10 }, false, 1024).length - 1024) <= 2, d);
    assert.ok(Math.abs(responseBody(d, 100 * 1024).length - 100 * 1024) <= 2, d);
  }
});

test("smoke: the load generator drives the fake upstream for JSON and stamped streams in every dialect", async (t) => {
  const fake = await startFakeUpstream();
  t.after(() => fake.close());
  const direct = TARGETS.find((x) => x.name === "direct")!;
  const json = await runLoad({
    base: fake.url,
    request: direct.request({ kind: "json", size: 1024 })!,
    connections: 2,
    durationMs: 250,
    mode: "request",
  });
  assert.equal(json.errors, 0);
  assert.ok(json.ok > 0 && json.rps > 0 && json.latency.p50 > 0);
  assert.ok(json.bytes >= json.ok * 1024);
  const sse = await runLoad({
    base: fake.url,
    request: direct.request({ kind: "sse", events: 5, bytes: 100, pace: 0 })!,
    connections: 2,
    requests: 6,
    mode: "sse",
  });
  assert.equal(sse.ok, 6);
  assert.equal(sse.events, 30);
  assert.equal(sse.eventDelay?.count, 30);
  assert.equal(sse.ttfe?.count, 6);
  const openai = await probe(
    fake.url,
    {
      method: "POST",
      path: "/v1/chat/completions",
      headers: {},
      body: requestBody("openai", "gpt", { events: 3, pace: 1 }, true),
    },
    true,
  );
  assert.equal(openai.stamps, 3);
  assert.match(openai.text, /data: \[DONE\]\n\n$/);
  const gemini = await probe(
    fake.url,
    {
      method: "POST",
      path: "/v1beta/models/g:streamGenerateContent?alt=sse",
      headers: {},
      body: requestBody("gemini", "g", { events: 4, pace: 0 }, false),
    },
    true,
  );
  assert.equal(gemini.stamps, 4);
  const amp = await probe(fake.url, { method: "GET", path: "/api/user?size=2000", headers: {} }, false);
  assert.equal(amp.status, 200);
  assert.ok(Math.abs(amp.text.length - 2000) <= 2);
  assert.equal(
    JSON.parse(
      (
        await probe(
          fake.url,
          {
            method: "POST",
            path: "/v1/messages",
            headers: {},
            body: requestBody("anthropic", "c", { size: 3000 }, false),
          },
          false,
        )
      ).text,
    ).type,
    "message",
  );
  const node = await startNodeProxy(fake.port);
  t.after(() => node.server.close());
  const through = await probe(
    `http://127.0.0.1:${node.port}`,
    direct.request({ kind: "sse", events: 4, bytes: 100, pace: 0 })!,
    true,
  );
  assert.equal(through.stamps, 4);
});

test("runLoad() gives up on a target that refuses every connection", async () => {
  const srv = await startFakeUpstream();
  const port = srv.port;
  await srv.close();
  const r = await runLoad({
    base: `http://127.0.0.1:${port}`,
    request: { method: "GET", path: "/", headers: {} },
    connections: 1,
    durationMs: 10_000,
    mode: "request",
  });
  assert.equal(r.ok, 0);
  assert.equal(r.errors, 20);
  assert.match(r.firstError ?? "", /ECONNREFUSED/);
});

const slice = (rps: number, ok = 10): LoadResult => ({
  ok,
  errors: ok ? 0 : 3,
  firstError: ok ? undefined : "status 502",
  elapsedMs: 1000,
  rps,
  bytes: 0,
  latency: { count: ok, min: 0.1, mean: 0.2, p50: 0.2, p90: 0.3, p99: 0.5, max: 1 },
});

test("bestOf() keeps the best slice and reports the spread; all-failing slices make the cell unavailable", () => {
  const cell = bestOf("rps", [slice(800), slice(1000), slice(900)]);
  assert.equal(cell.best?.rps, 1000);
  assert.equal(cell.spreadPct, 20);
  assert.deepEqual(bestOf("rps", [slice(0, 0)]), { status: "unavailable", reason: "status 502" });
  assert.equal(ratio(1, 3), 0.33);
  assert.equal(ratio(1, 0), undefined);
});

test("renderReport() prints ratios to direct and nginx and names why a target is unavailable", () => {
  const r: BenchResult = {
    startedAt: "",
    durationMs: 1000,
    quick: true,
    machine: { cores: 2, cpu: "x", node: "v20", loadBefore: "0", loadAfter: "0" },
    options: {},
    targets: {
      direct: { label: "d", available: true },
      nginx: { label: "n", available: true },
      pass: { label: "p", available: false, reason: "boom" },
    },
    scenarios: [
      {
        name: "lat-1k",
        title: "t",
        connections: 1,
        kind: "json",
        rank: "rps",
        cells: {
          direct: bestOf("rps", [slice(1000)]),
          nginx: bestOf("rps", [slice(500)]),
          pass: { status: "unavailable", reason: "boom" },
        },
      },
    ],
    streams: [],
    micro: [],
    goals: [],
    notes: ["a note"],
  };
  r.goals = evaluateGoals(r);
  const text = renderReport(r);
  assert.match(text, /nginx\s+500 .* 0\.50×\s+1\.00×/);
  assert.match(text, /pass: unavailable: boom/);
  assert.match(text, /note: a note/);
  assert.doesNotMatch(text, /for scale/); // no node target in this run
  assert.match(text, /^nginx\s+\+0\.00\s+\+0\.00\s+-\s+-\s+-/m); // the summary row: only lat-1k ran
  const md = renderReport(r, true);
  assert.match(md, /^\| nginx \| 500 \|/m);
  assert.match(md, /^\|---\|---:\|/m);
  assert.match(md, /^- `pass` p — unavailable: boom$/m);
  assert.ok(r.goals.every((g) => g.met === "n/a"));
});

test("nginxConf() proxies without buffering, on loopback only, with every path in the temp dir", () => {
  const conf = nginxConf({ dir: "/tmp/x", port: 8000, upstreamPort: 9000, root: false });
  assert.match(conf, /proxy_buffering off;/);
  assert.match(conf, /listen 127\.0\.0\.1:8000;/);
  assert.match(conf, /server 127\.0\.0\.1:9000;/);
  assert.match(conf, /pid \/tmp\/x\/nginx\.pid;/);
  assert.doesNotMatch(conf, /^user/m);
  assert.match(cliproxyConfig(8001, 9000), /base-url: http:\/\/127\.0\.0\.1:9000\/v1/);
});

test("summarizeProfile() splits self and total time by function and area, leaving idle out", () => {
  const frame = (functionName: string, url = "") => ({ functionName, url, lineNumber: 0 });
  const s = summarizeProfile({
    startTime: 0,
    endTime: 40,
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 4, 5] },
      { id: 2, callFrame: frame("dispatch", "file:///w/dist/cliproxy.mjs"), children: [3] },
      { id: 3, callFrame: frame("writeHead", "node:_http_server") },
      { id: 4, callFrame: frame("(idle)") },
      { id: 5, callFrame: frame("(garbage collector)") },
    ],
    samples: [2, 3, 3, 4, 5],
    timeDeltas: [1000, 1000, 1000, 5000, 1000],
  });
  assert.equal(s.busyMs, 4);
  assert.deepEqual(s.total, [{ name: "dispatch dist/cliproxy.mjs:1", ms: 3, pct: 75 }]);
  assert.deepEqual(
    s.areas.map((a) => a.name),
    ["node internals", "cliproxy", "GC"],
  );
  assert.match(renderProfile(s), /75\.0%\s+3\.0 ms  dispatch dist\/cliproxy\.mjs:1/);
});

test("parseBenchArgs() reads --quick, --only and --profile, and rejects unknown flags", () => {
  assert.deepEqual(parseBenchArgs(["--quick", "--only", "pass,nginx"]), {
    quick: true,
    build: true,
    profileSeconds: 10,
    only: ["pass", "nginx"],
  });
  assert.equal(parseBenchArgs(["--profile"]).profile, "pass");
  assert.equal(parseBenchArgs(["--profile", "translate", "--seconds", "3"]).profileSeconds, 3);
  assert.throws(() => parseBenchArgs(["--fast"]), /Unknown option "--fast"/);
  assert.deepEqual(parseBenchArgs(["--compare", "/a/cliproxy.mjs,/b/cliproxy.mjs"]).compare, [
    "/a/cliproxy.mjs",
    "/b/cliproxy.mjs",
  ]);
});

// One forked load generator for the file: each fork costs a tsx start-up.
let shared: LoadWorker | undefined;
const sharedWorker = () => (shared ??= new LoadWorker());
after(() => shared?.close());

test("smoke: the fake upstream and the load generator run as their own processes, driven over IPC", async (t) => {
  const fake = await startFakeProcess();
  t.after(() => stop(fake.child, 1_000));
  const worker = sharedWorker();
  const spec = TARGETS[0].request({ kind: "json", size: 1024 })!;
  const r = await worker.run({
    base: `http://127.0.0.1:${fake.port}`,
    request: spec,
    connections: 4,
    durationMs: 200,
    mode: "request",
  });
  assert.equal(r.errors, 0);
  assert.ok(r.ok > 0);
});

test("LoadWorker.run() rejects once the worker has been closed", async () => {
  const worker = new LoadWorker();
  await worker.close();
  await assert.rejects(
    worker.run({
      base: "http://127.0.0.1:1",
      request: { method: "GET", path: "/", headers: {} },
      connections: 1,
      requests: 1,
      mode: "request",
    }),
    /not running/,
  );
});

test("startNginx() proxies to the fake upstream and stops cleanly (skipped without nginx)", async (t) => {
  const bin = await findNginx();
  if (!bin) return t.skip("nginx not installed");
  const dir = await mkdtemp(join(tmpdir(), "bench-nginx-test-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const fake = await startFakeUpstream();
  t.after(() => fake.close());
  const nginx = await startNginx(bin, { dir, port: await freePort(), upstreamPort: fake.port });
  try {
    const r = await probe(
      `http://127.0.0.1:${nginx.port}`,
      TARGETS[1].request({ kind: "sse", events: 3, bytes: 100, pace: 0 })!,
      true,
    );
    assert.equal(r.stamps, 3);
  } finally {
    await nginx.stop();
  }
  assert.notEqual(nginx.child.exitCode ?? nginx.child.signalCode, null);
});

test("runScenario() measures live targets in slices and reports the others as unavailable with the reason", async (t) => {
  const fake = await startFakeUpstream();
  t.after(() => fake.close());
  const worker = sharedWorker();
  const [direct, , , pass] = TARGETS;
  const amp = TARGETS.find((x) => x.name === "amp")!;
  const live: Live[] = [
    { target: direct, base: fake.url },
    {
      target: {
        ...direct,
        name: "broken",
        request: (k) => ({ ...direct.request(k)!, path: "/v1beta/models/x:generateContent", body: "{}" }),
      },
      base: fake.url,
    },
    { target: pass, down: "cliproxy did not start: boom" },
    { target: amp, base: fake.url },
    { target: { ...direct, name: "refused" }, base: "http://127.0.0.1:1" },
  ];
  const logs: string[] = [];
  const dead = new Map<string, string>();
  const r = await runScenario(
    worker,
    {
      name: "sse-test",
      title: "t",
      connections: 2,
      load: { kind: "sse", events: 3, bytes: 100, pace: 0 },
      rank: "delay",
    },
    live,
    { slices: 2, sliceMs: 60, warmupMs: 20 },
    (l) => logs.push(l),
    dead,
  );
  assert.deepEqual(Object.keys(r.cells), ["direct", "broken", "pass", "refused"]); // amp has no stream request
  assert.match(r.cells.refused.reason ?? "", /^health probe failed: .*ECONNREFUSED/);
  assert.deepEqual([...dead.keys()], ["refused"]); // not probed again in later scenarios
  assert.equal(r.cells.direct.status, "ok");
  assert.equal(r.cells.direct.slices?.length, 2);
  assert.match(r.cells.broken.reason ?? "", /^health probe got 0 stamped events of 3/);
  assert.equal(r.cells.pass.reason, "cliproxy did not start: boom");
  assert.equal(logs.length, 2);
});

test("runMicro() times the translation hub and pumpStream against their floors", async () => {
  const rows = await runMicro(15, { requestBytes: 10_000, events: 100 });
  assert.deepEqual(
    rows.map((r) => r.reason),
    rows.map(() => undefined),
  );
  assert.ok(rows.length >= 6);
  assert.ok(rows.every((r) => (r.perOpMs?.count ?? 0) > 0));
});

test("the tunnel bench: --tunnel selects it, and its table shows cliproxy's added latency against both references", async () => {
  const { renderTunnel } = await import("../../scripts/bench/tunnel.js");
  assert.equal(parseBenchArgs(["--tunnel", "--quick"]).tunnel, true);
  const table = renderTunnel([
    { path: "direct", bytesPerSecond: 500 * 2 ** 20, medianUs: 40, p99Us: 90 },
    { path: "net pipe", bytesPerSecond: 400 * 2 ** 20, medianUs: 55, p99Us: 120 },
    { path: "cliproxy", bytesPerSecond: 380 * 2 ** 20, medianUs: 60, p99Us: 130 },
  ]);
  assert.match(table, /\| cliproxy \| 380 \| 60 \| 130 \|/);
  assert.match(table, /cliproxy adds 20 µs per frame round trip over a direct connection, 5 µs over a bare net pipe/);
});
