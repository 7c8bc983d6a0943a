import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findConfig, isLoopback, start } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";

function quiet(lines: string[]) {
  return createLogger({ sink: (l) => lines.push(l) });
}

test("isLoopback() accepts 127/8, ::1, mapped loopback and localhost only", () => {
  for (const h of ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "::ffff:127.0.0.1", "localhost"])
    assert.equal(isLoopback(h), true, h);
  for (const h of ["", "0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com"])
    assert.equal(isLoopback(h), false, h);
});

test("start() with no config file serves /healthz on loopback and says what it found and what to do next", async (t) => {
  const lines: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), "cliproxy-cwd-"));
  const home = mkdtempSync(join(tmpdir(), "cliproxy-home-"));
  const s = await start({
    cwd,
    homeDir: home,
    port: 0,
    env: { ANTHROPIC_API_KEY: "sk-ant-env-key-123456", AMP_API_KEY: "amp-env-key" },
    log: quiet(lines),
  });
  t.after(() => s.stop(100));
  assert.equal(s.host, "127.0.0.1");
  assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  const text = lines.join("\n");
  assert.match(text, /no config file found/);
  assert.match(text, /environment keys: ANTHROPIC_API_KEY, AMP_API_KEY/);
  assert.match(text, /providers: claude=1/);
  assert.match(text, /listening on http:\/\/127\.0\.0\.1:/);
  assert.ok(!text.includes("sk-ant-env-key-123456") && !text.includes("amp-env-key"), "no key appears in the log");
  assert.equal(s.app.config().claudeApiKey[0].apiKey, "sk-ant-env-key-123456");
});

test("start() refuses a non-loopback host while no api-keys are configured, naming the fix", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "cliproxy-cwd-"));
  await assert.rejects(
    start({ cwd, homeDir: cwd, host: "0.0.0.0", port: 0, env: {}, log: quiet([]) }),
    /Refusing to listen on "0.0.0.0" with no api-keys.*Add api-keys/,
  );
});

test("start() with nothing configured tells the user the next step", async (t) => {
  const lines: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), "cliproxy-cwd-"));
  const s = await start({ cwd, homeDir: cwd, port: 0, env: {}, log: quiet(lines) });
  t.after(() => s.stop(100));
  assert.match(lines.join("\n"), /next step: add a provider key/);
  assert.match(lines.join("\n"), /no api-keys configured/);
});

test("findConfig() prefers --config, then ./config.yaml, else none", () => {
  const cwd = mkdtempSync(join(tmpdir(), "cliproxy-cwd-"));
  assert.equal(findConfig(undefined, cwd), undefined);
  assert.equal(findConfig("x.yaml", cwd), join(cwd, "x.yaml"));
});

test("the embedded default listens on 127.0.0.1:8317 and takes provider keys from the environment", async () => {
  const { embeddedConfig } = await import("../../src/config/load.js");
  const { config } = embeddedConfig({
    homeDir: "/home/u",
    env: { OPENAI_API_KEY: "sk-openai-env", GEMINI_API_KEY: "AIza-env" },
  });
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8317);
  assert.equal(config.authDir, join("/home/u", ".cli-proxy-api"));
  assert.equal(config.codexApiKey[0].apiKey, "sk-openai-env");
  assert.equal(config.codexApiKey[0].baseUrl, "https://api.openai.com/v1");
  assert.equal(config.geminiApiKey[0].apiKey, "AIza-env");
  assert.deepEqual(config.claudeApiKey, []);
});
