/** GET /metrics (issue #18): Prometheus text, behind api-keys, counting attempts, tokens and failures; gauges for open streams and registered ones. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { startServer } from "../support/server.js";
import { claudeMessage } from "../providers/support.js";
import { providerKey } from "../../src/config/schema.js";
import { labelValue, metricsOf } from "../../src/metrics/metrics.js";
import { authIndex } from "../../src/providers/credentials.js";

const KEY = "sk-client-metrics-0001";

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

test("/metrics needs a client key and counts requests, tokens and errors by provider, model and credential (auth_index)", async (t) => {
  let fail = false;
  const fake = await startFake(t, (_r, res) =>
    fail
      ? sendJson(res, 500, { type: "error", error: { type: "api_error", message: "boom" } })
      : sendJson(res, 200, claudeMessage("hi", { input_tokens: 10, output_tokens: 5 })),
  );
  const s = await startServer(t, {
    apiKeys: [KEY],
    claudeApiKey: [providerKey("sk-ant-api-metrics-01", { baseUrl: fake.url })],
    usageStatisticsEnabled: true,
  });
  assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status, 401);
  metricsOf(s.app);
  const body = { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] };
  assert.equal((await post(`${s.url}/v1/messages`, body)).status, 200);
  fail = true;
  assert.equal((await post(`${s.url}/v1/messages`, body)).status, 500);
  const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const cred = authIndex(s.app.providers.credentials()[0]);
  const l = `provider="claude",model="claude-sonnet-4-5",credential="${cred}"`;
  assert.ok(text.includes(`# TYPE cliproxy_upstream_requests_total counter`), text);
  assert.ok(text.includes(`cliproxy_upstream_requests_total{${l}} 2`), text);
  assert.ok(text.includes(`cliproxy_upstream_errors_total{${l},status="500"} 1`), text);
  assert.ok(text.includes(`cliproxy_tokens_total{${l},type="input"} 10`), text);
  assert.ok(text.includes(`cliproxy_tokens_total{${l},type="output"} 5`), text);
  assert.match(text, /cliproxy_requests_in_flight 1\n/, "the scrape itself is in flight");
  assert.match(text, /cliproxy_open_streams 0\n/);
  assert.match(text, /cliproxy_open_tunnels 0\n/);
  assert.match(text, /cliproxy_info\{version="[^"]+"\} 1/);
  assert.ok(!text.includes("sk-ant-api-metrics-01"), "no key on the page");
});

test("the open-streams gauge counts event streams while they are open, and a registered gauge (the tunnel's) is exposed", async (t) => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const fake = await startFake(t, async (_r, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(
      `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { ...claudeMessage(""), content: [] } })}\n\n`,
    );
    await held;
    res.end(`event: message_stop\ndata: {"type":"message_stop"}\n\n`);
  });
  const s = await startServer(t, {
    apiKeys: [KEY],
    claudeApiKey: [providerKey("sk-ant-api-metrics-02", { baseUrl: fake.url })],
  });
  let tunnels = 3;
  metricsOf(s.app).registerGauge({
    name: "cliproxy_open_tunnels",
    help: "WebSocket tunnels open now.",
    read: () => tunnels,
  });
  const stream = await post(`${s.url}/v1/messages`, {
    model: "claude-sonnet-4-5",
    max_tokens: 8,
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  await reader.read(); // the first event is through: the stream is open
  const scrape = async () => (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const during = await scrape();
  assert.match(during, /cliproxy_open_streams 1\n/);
  assert.match(during, /# TYPE cliproxy_open_tunnels gauge\ncliproxy_open_tunnels 3\n/);
  release();
  while (!(await reader.read()).done);
  tunnels = 0;
  const afterwards = await scrape();
  assert.match(afterwards, /cliproxy_open_streams 0\n/);
  assert.match(afterwards, /cliproxy_open_tunnels 0\n/);
});

test("labelValue() escapes backslash, quote and newline as the text format requires", () => {
  assert.equal(labelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

test("with usage-statistics-enabled off, requests and errors are still counted; tokens are not parsed (that costs a JSON parse per event)", async (t) => {
  const fake = await startFake(t, (_r, res) =>
    sendJson(res, 200, claudeMessage("hi", { input_tokens: 10, output_tokens: 5 })),
  );
  const s = await startServer(t, {
    apiKeys: [KEY],
    claudeApiKey: [providerKey("sk-ant-api-metrics-03", { baseUrl: fake.url })],
    usageStatisticsEnabled: false,
  });
  metricsOf(s.app);
  assert.equal(
    (
      await post(`${s.url}/v1/messages`, {
        model: "claude-sonnet-4-5",
        max_tokens: 8,
        messages: [{ role: "user", content: "hi" }],
      })
    ).status,
    200,
  );
  const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  assert.match(text, /cliproxy_upstream_requests_total\{[^}]*\} 1\n/);
  assert.match(text, /cliproxy_tokens_total\{[^}]*type="input"\} 0\n/);
});

test("render() sums other workers' counters and gauges into one exposition", async (t) => {
  const s = await startServer(t, { apiKeys: [KEY] });
  const metrics = metricsOf(s.app);
  const series = { provider: "claude", model: "m", credential: "abc" };
  const other = {
    series: [
      { labels: series, requests: 2, failures: { "429": 1 }, tokens: { input: 4, output: 1, cached: 0, reasoning: 0 } },
    ],
    gauges: [{ name: "cliproxy_requests_in_flight", help: "HTTP requests being served now.", value: 3 }],
  };
  const text = metrics.render([other, other]);
  assert.match(text, /^cliproxy_upstream_requests_total\{provider="claude",model="m",credential="abc"\} 4$/m);
  assert.match(
    text,
    /^cliproxy_upstream_errors_total\{provider="claude",model="m",credential="abc",status="429"\} 2$/m,
  );
  assert.match(text, /^cliproxy_tokens_total\{provider="claude",model="m",credential="abc",type="input"\} 8$/m);
  assert.match(text, /^cliproxy_requests_in_flight 6$/m);
  assert.equal(text.match(/^# TYPE cliproxy_requests_in_flight gauge$/gm)?.length, 1);
});
