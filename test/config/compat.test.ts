import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { sharedAbsent } from "../support/config.ts";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { exampleKeys } from "../../src/config/safe-mode.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

const REPO = join(import.meta.dirname, "..", "..");
const FIXTURES = join(REPO, "..", "shared", "fixtures", "cliproxyapi");
const UPSTREAM_EXAMPLES = ["config.example.e0cb43f38.yaml", "config.example.a7e3596b7.yaml"];
const load = (text: string, path: string) =>
  parseConfig(text, { kinds: PROVIDER_KINDS, path, homeDir: "/home/u", env: {} });

/** Enables every commented-out block (`# key:` and the commented lines indented under it). */
function uncomment(text: string): string {
  const out: string[] = [];
  let block = -1;
  for (const line of text.split("\n")) {
    const m = /^(\s*)# ?(.*)$/.exec(line);
    if (m) {
      const body = m[1] + m[2];
      const indent = body.length - body.trimStart().length;
      const isKey = /^\s*[a-z0-9-]+:(?:\s|$)/.test(body) || /^\s*- /.test(body);
      // A block starts right after "# " with a key (a list item only when indented, as prose at column 0 uses "- ").
      const starts = /^[a-z0-9-]+:(?:\s|$)/.test(m[2]) || (m[1].length > 0 && m[2].startsWith("- "));
      if ((block < 0 && starts) || (block >= 0 && (indent > block || (indent === block && isKey)))) {
        if (block < 0) block = indent;
        out.push(body);
        continue;
      }
    }
    block = -1;
    out.push(line);
  }
  return out.join("\n");
}

for (const name of UPSTREAM_EXAMPLES) {
  const path = join(FIXTURES, name);
  const absent = sharedAbsent(path);

  test(`CLIProxyAPI's ${name} loads without error, warning at most once per key path`, { skip: absent }, () => {
    const { config, warnings } = load(readFileSync(path, "utf8"), path);
    assert.equal(config.port, 8317);
    assert.equal(config.host, "");
    assert.deepEqual(exampleKeys(config), ["your-api-key-1", "your-api-key-2", "your-api-key-3"]);
    const paths = warnings.map((w) => w.split(" at line ")[0]);
    assert.equal(new Set(paths).size, paths.length, warnings.join("\n"));
    for (const w of warnings) assert.match(w, /\(ignored\)$/);
  });

  test(`CLIProxyAPI's ${name} with every commented key enabled loads without error`, { skip: absent }, () => {
    const { config, warnings } = load(uncomment(readFileSync(path, "utf8")), path);
    assert.ok(
      config.geminiApiKey.length > 0 && config.claudeApiKey.length > 0 && config.openaiCompatibility.length > 0,
    );
    assert.ok(Object.keys(config.oauthModelAlias).includes("claude"));
    assert.ok(config.payload !== undefined);
    for (const w of warnings) assert.match(w, /\(ignored\)$/);
  });
}

test(
  "the e0cb43f38 example's commented ampcode block loads as the ampcode settings",
  { skip: sharedAbsent(join(FIXTURES, UPSTREAM_EXAMPLES[0])) },
  () => {
    const text = uncomment(readFileSync(join(FIXTURES, UPSTREAM_EXAMPLES[0]), "utf8"));
    const { config } = load(text, "e0cb43f38");
    assert.equal(config.ampcode.upstreamUrl, "https://ampcode.com");
    assert.deepEqual(
      config.ampcode.upstreamApiKeys.map((e) => e.upstreamApiKey),
      ["amp_key_for_team_a", "amp_key_for_team_b"],
    );
    assert.equal(config.ampcode.modelMappings.length, 3);
  },
);

test("config.example.yaml loads with no warnings and does not use the safe-mode example keys", () => {
  const text = readFileSync(join(REPO, "config.example.yaml"), "utf8");
  const { config, warnings } = load(text, "config.example.yaml");
  assert.deepEqual(warnings, []);
  assert.deepEqual(exampleKeys(config), []);
  assert.ok(config.apiKeys.length > 0);
  assert.equal(config.ampcode.modelFallback, "upstream");
  assert.equal(config.ampcode.upstreamTimeoutMs, 600_000);
});

test("config.example.yaml with every commented block enabled still loads with no warnings", () => {
  const text = uncomment(readFileSync(join(REPO, "config.example.yaml"), "utf8"));
  assert.notEqual(text, readFileSync(join(REPO, "config.example.yaml"), "utf8"));
  const { config, warnings } = load(text, "config.example.yaml");
  assert.deepEqual(warnings, []);
  assert.equal(config.geminiApiKey.length, 2);
  assert.equal(config.codexApiKey.length, 1);
  assert.equal(config.vertexApiKey.length, 1);
  assert.equal(config.openaiCompatibility[0].models.length, 3);
  assert.equal(config.ampcode.upstreamApiKeys.length, 1);
  assert.equal(config.ampcode.modelMappings.length, 2);
  assert.deepEqual(Object.keys(config.oauthEndpoints), ["claude", "antigravity"]);
  assert.equal(config.claudeHeaderDefaults["user-agent"], "claude-cli/2.1.220 (external, cli)");
  assert.equal(config.claudeAutoCacheControl, true);
});

test("config.example.yaml documents every top-level key cliproxy reads", () => {
  const text = uncomment(readFileSync(join(REPO, "config.example.yaml"), "utf8"));
  const keys = new Set([...text.matchAll(/^([a-z0-9-]+):/gm)].map((m) => m[1]));
  const expected = [
    "host",
    "port",
    "tls",
    "api-keys",
    "ws-auth",
    "enable-gemini-cli-endpoint",
    "remote-management",
    "auth-dir",
    "debug",
    "logging-to-file",
    "logs-max-total-size-mb",
    "error-logs-max-files",
    "request-log",
    "commercial-mode",
    "usage-statistics-enabled",
    "redis-usage-queue-retention-seconds",
    "proxy-url",
    "request-retry",
    "max-retry-credentials",
    "max-retry-interval",
    "disable-cooling",
    "quota-exceeded",
    "routing",
    "force-model-prefix",
    "passthrough-headers",
    "streaming",
    "nonstream-keepalive-interval",
    "auth-auto-refresh-workers",
    "body-limit-mb",
    "shutdown-timeout",
    "upstream-connect-timeout",
    "disable-image-generation",
    "gpt-image-2-base-model",
    "antigravity-signature-cache-enabled",
    "antigravity-signature-bypass-strict",
    "claude-header-defaults",
    "codex-header-defaults",
    "codex",
    "pprof",
    "plugins",
    "gemini-api-key",
    "claude-api-key",
    "codex-api-key",
    "vertex-api-key",
    "openai-compatibility",
    "oauth-model-alias",
    "oauth-excluded-models",
    "oauth-endpoints",
    "payload",
    "ampcode",
  ];
  assert.deepEqual(
    expected.filter((k) => !keys.has(k)),
    [],
  );
});
