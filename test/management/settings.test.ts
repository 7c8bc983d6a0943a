import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseStrategy } from "../../src/management/settings.js";
import { HttpError } from "../../src/server/errors.js";
import { changedLines, mgmt } from "./setup.js";

test("every scalar setting round-trips through GET and PUT, lands at its YAML key, and reaches the running config", async (t) => {
  const m = await mgmt(t);
  const cases: Array<[string, string, unknown, (c: any) => unknown, string[]]> = [
    ["/debug", "debug", true, (c) => c.debug, ["debug"]],
    ["/proxy-url", "proxy-url", "http://proxy.local:3128", (c) => c.proxyUrl, ["proxy-url"]],
    ["/request-retry", "request-retry", 3, (c) => c.requestRetry, ["request-retry"]],
    ["/max-retry-interval", "max-retry-interval", 30, (c) => c.maxRetryInterval, ["max-retry-interval"]],
    [
      "/quota-exceeded/switch-project",
      "switch-project",
      true,
      (c) => c.quotaExceeded.switchProject,
      ["quota-exceeded", "switch-project"],
    ],
    [
      "/quota-exceeded/switch-preview-model",
      "switch-preview-model",
      true,
      (c) => c.quotaExceeded.switchPreviewModel,
      ["quota-exceeded", "switch-preview-model"],
    ],
    ["/routing/strategy", "strategy", "fill-first", (c) => c.routing.strategy, ["routing", "strategy"]],
    [
      "/usage-statistics-enabled",
      "usage-statistics-enabled",
      true,
      (c) => c.usageStatisticsEnabled,
      ["usage-statistics-enabled"],
    ],
    ["/logging-to-file", "logging-to-file", false, (c) => c.loggingToFile, []],
    ["/request-log", "request-log", true, (c) => c.requestLog, ["request-log"]],
    ["/force-model-prefix", "force-model-prefix", true, (c) => c.forceModelPrefix, ["force-model-prefix"]],
    ["/ws-auth", "ws-auth", true, (c) => c.wsAuth, ["ws-auth"]],
    ["/logs-max-total-size-mb", "logs-max-total-size-mb", 100, (c) => c.logsMaxTotalSizeMb, ["logs-max-total-size-mb"]],
    ["/error-logs-max-files", "error-logs-max-files", 3, (c) => c.errorLogsMaxFiles, ["error-logs-max-files"]],
  ];
  for (const [path, name, value, read, yaml] of cases) {
    const before = m.text();
    assert.deepEqual((await m.call("PUT", path, JSON.stringify({ value }))).json, { status: "ok" }, path);
    assert.deepEqual((await m.call("GET", path)).json, { [name]: value }, path);
    assert.deepEqual(read(m.s.app.config()), value, path);
    if (yaml.length)
      assert.deepEqual(
        yaml.reduce((o: any, k) => o?.[k], parse(m.text())),
        value,
        path,
      );
    else assert.equal(m.text(), before, `${path}: a default value absent from the file is not written`);
  }
});

test("routing/strategy takes upstream's aliases, stores the canonical name in place, and rejects others with 400 invalid strategy", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  await m.call("PUT", "/routing/strategy", '{"value":"FF"}');
  assert.deepEqual(changedLines(before, m.text()), [
    ["  strategy: round-robin   # or fill-first", "  strategy: fill-first   # or fill-first"],
  ]);
  assert.deepEqual(await m.call("PATCH", "/routing/strategy", '{"value":"random"}').then((r) => [r.status, r.json]), [
    400,
    { error: "invalid strategy" },
  ]);
  assert.deepEqual(
    [parseStrategy("rr"), parseStrategy(""), parseStrategy("fillfirst"), parseStrategy(1)],
    ["round-robin", "round-robin", "fill-first", undefined],
  );
  assert.throws(() => parseStrategy("x"), HttpError);
});

test("DELETE /proxy-url clears it; negative integers clamp as the loader does; mistyped integers are 400", async (t) => {
  const m = await mgmt(t);
  await m.call("PUT", "/proxy-url", '{"value":"  socks5://127.0.0.1:1080  "}');
  assert.equal(m.s.app.config().proxyUrl, "socks5://127.0.0.1:1080");
  assert.deepEqual((await m.call("DELETE", "/proxy-url")).json, { status: "ok" });
  assert.deepEqual((await m.call("GET", "/proxy-url")).json, { "proxy-url": "" });
  assert.equal(parse(m.text())["proxy-url"], "");
  await m.call("PUT", "/request-retry", '{"value":-4}');
  assert.equal(m.s.app.config().requestRetry, 0);
  await m.call("PUT", "/error-logs-max-files", '{"value":-1}');
  assert.equal(m.s.app.config().errorLogsMaxFiles, 10);
  assert.equal((await m.call("PUT", "/request-retry", '{"value":1.5}')).status, 400);
  assert.equal((await m.call("PUT", "/request-retry", '{"value":"3"}')).status, 400);
  assert.equal((await m.call("DELETE", "/debug")).status, 404, "only string settings can be cleared");
});

test("URL settings that cannot work are refused with 400 naming the key, and nothing is saved", async (t) => {
  const m = await mgmt(t);
  const before = m.text();
  const refused: Array<[string, string, string, RegExp]> = [
    [
      "PUT",
      "/proxy-url",
      '{"value":"javascript:alert(1)"}',
      /^proxy-url: expected an http:\/\/, https:\/\/, socks5:\/\/ or socks5h:\/\/ proxy URL/,
    ],
    ["PATCH", "/proxy-url", '{"value":"not a url"}', /^proxy-url: /],
    [
      "PUT",
      "/ampcode/upstream-url",
      '{"value":"file:///etc/passwd"}',
      /^ampcode\.upstream-url: expected an http:\/\/ or https:\/\/ URL with a host, got "file:\/\/\/etc\/passwd"/,
    ],
    [
      "PUT",
      "/claude-api-key",
      '[{"api-key":"k-claude-1","base-url":"ftp://x.example"}]',
      /claude-api-key\[0\]\.base-url: expected an http:\/\/ or https:\/\/ URL/,
    ],
    [
      "PUT",
      "/openai-compatibility",
      '[{"name":"c","base-url":"not a url","api-key-entries":[{"api-key":"k"}]}]',
      /openai-compatibility\[0\]\.base-url: /,
    ],
  ];
  for (const [method, path, body, message] of refused) {
    const res = await m.call(method, path, body);
    assert.equal(res.status, 400, path);
    assert.match(res.json.error, message, path);
  }
  assert.equal(m.text(), before);
  assert.equal(m.s.app.config().proxyUrl, "");
  assert.equal((await m.call("PUT", "/ampcode/upstream-url", '{"value":"https://amp.example"}')).status, 200);
});
