/** `cliproxy amp-router` (src/amp/custom-router.ts, parsed in src/main.ts): the exact commands and warnings it prints. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, runCommand } from "../../src/main.js";
import { dottedVersion, mappingEntries, shellQuote } from "../../src/amp/custom-router.js";

/** Runs `cliproxy amp-router …` in-process with a config file written to a temp folder (its auth-dir empty). */
async function ampRouter(
  yaml: string,
  ...args: string[]
): Promise<{ code: number | undefined; stdout: string; stderr: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-amp-router-"));
  mkdirSync(join(dir, "auth"));
  const path = join(dir, "config.yaml");
  writeFileSync(path, `auth-dir: ${join(dir, "auth")}\n${yaml}`);
  let stdout = "";
  let stderr = "";
  const io = {
    out: (t: string) => void (stdout += t + "\n"),
    err: (t: string) => void (stderr += t + "\n"),
    homeDir: dir,
    env: {},
  };
  const code = await runCommand(parseArgs(["amp-router", ...args.map((a) => a.replace("$CONFIG", path))]), io);
  return { code, stdout: stdout.replaceAll(path, "CONFIG"), stderr: stderr.replaceAll(path, "CONFIG"), path };
}

const KEY = "0123456789abcdef0123456789abcdef01234567";

const FOUR_KINDS = `
api-keys: ["${KEY}"]
claude-api-key:
  - api-key: sk-ant-1
    models: [{name: claude-sonnet-4-6}, {name: claude-opus-4-5-20251101, alias: claude-opus-4-5}]
codex-api-key:
  - api-key: sk-codex-1
    base-url: https://api.openai.com/v1
    models: [{name: gpt-5.1}, {name: gpt-5-codex}]
gemini-api-key:
  - api-key: AIza-1
    models: [{name: gemini-2.5-pro}]
openai-compatibility:
  - name: openrouter
    base-url: https://openrouter.ai/api/v1
    api-key-entries: [{api-key: sk-or-1}]
    models: [{name: moonshotai/kimi-k2}, {name: deepseek-chat}, {name: anthropic/claude-sonnet-4.6, alias: claude-sonnet-4-6}]
`;

test("amp-router prints the key-file step and one add-router command per API format, each model in the best format for its credentials", async () => {
  const r = await ampRouter(FOUR_KINDS, "--base-url", "https://proxy.example.com/", "--config", "$CONFIG");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  assert.equal(
    r.stdout,
    [
      "# Amp's custom-url model router: Amp's servers call https://proxy.example.com for the models CONFIG serves.",
      "# 1. Put one of the api-keys of CONFIG in a file only you can read (never on a command line):",
      "read -rs CLIPROXY_KEY   # paste the key, then Enter",
      '(umask 077; mkdir -p ~/.config/amp && printf %s "$CLIPROXY_KEY" > ~/.config/amp/cliproxy.key); unset CLIPROXY_KEY',
      "# 2. Add the routers (one per API format; --workspace instead of --personal shares them with your workspace):",
      "amp config model-providers add-router custom-url --personal --name cliproxy-anthropic --base-url https://proxy.example.com --api-format anthropic-messages " +
        "--api-key-file ~/.config/amp/cliproxy.key --model-mapping 'anthropic/claude-opus-4-5 -> claude-opus-4-5,anthropic/claude-opus-4.5 -> claude-opus-4-5," +
        "anthropic/claude-sonnet-4-6 -> claude-sonnet-4-6,anthropic/claude-sonnet-4.6 -> claude-sonnet-4-6' --active",
      "amp config model-providers add-router custom-url --personal --name cliproxy-responses --base-url https://proxy.example.com --api-format responses " +
        "--api-key-file ~/.config/amp/cliproxy.key --model-mapping 'openai/gpt-5-codex -> gpt-5-codex,openai/gpt-5.1 -> gpt-5.1' --active",
      "amp config model-providers add-router custom-url --personal --name cliproxy-chat --base-url https://proxy.example.com --api-format chat-completions " +
        "--api-key-file ~/.config/amp/cliproxy.key --model-mapping 'google/gemini-2.5-pro -> gemini-2.5-pro,*/deepseek-chat,moonshotai/kimi-k2 -> moonshotai/kimi-k2' --active",
      "",
    ].join("\n"),
  );
  assert.ok(!r.stdout.includes(KEY) && !r.stdout.includes("sk-ant-1"), "no key on any command line");
});

test("amp-router warns on stderr about an http base URL, missing api-keys and short keys, and still prints the commands", async () => {
  const r = await ampRouter(
    "claude-api-key:\n  - api-key: sk-ant-1\n    models: [{name: claude-haiku-4-5}]\n",
    "--base-url=http://10.0.0.5:8317",
    "--config=$CONFIG",
  );
  assert.equal(r.code, 0);
  assert.equal(
    r.stderr,
    [
      "warning: --base-url http://10.0.0.5:8317 is not https: Amp's servers call only HTTPS URLs, and the key would cross the internet in clear; give cliproxy a certificate (tls:) or put it behind a TLS proxy (README \"Amp's custom-url model router\")",
      "warning: CONFIG has no api-keys: without one cliproxy answers only this machine, so Amp's servers would be refused; add a long random key to api-keys (openssl rand -hex 32)",
      "",
    ].join("\n"),
  );
  assert.match(
    r.stdout,
    /--name cliproxy-anthropic --base-url http:\/\/10\.0\.0\.5:8317 --api-format anthropic-messages .* --model-mapping 'anthropic\/claude-haiku-4-5 -> claude-haiku-4-5,anthropic\/claude-haiku-4\.5 -> claude-haiku-4-5' --active\n$/,
  );
  assert.match(
    r.stdout,
    /# 2\. Add the router \(one per API format; --workspace instead of --personal shares it with your workspace\):/,
  );

  const short = await ampRouter(
    'api-keys: ["abc", "your-api-key-1"]\nclaude-api-key:\n  - api-key: sk-ant-1\n',
    "--base-url",
    "https://h.example",
    "--config",
    "$CONFIG",
  );
  assert.equal(
    short.stderr,
    [
      "warning: api-keys[0] is 3 characters long; a key reachable from the internet should be long and random (openssl rand -hex 32)",
      "warning: api-keys[1] is 14 characters long; a key reachable from the internet should be long and random (openssl rand -hex 32)",
      "warning: api-keys still holds the example keys of config.example.yaml; cliproxy serves only a page asking to replace them",
      "",
    ].join("\n"),
  );
});

test("amp-router refuses a config that serves no model, a bad config, and bad flags", async () => {
  const none = await ampRouter(`api-keys: ["${KEY}"]\n`, "--base-url", "https://h.example", "--config", "$CONFIG");
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /^cliproxy: no credential in CONFIG \(or token file in .*\) serves a model; add provider keys or run cliproxy login\n$/,
  );
  assert.equal(none.stdout, "");
  const bad = await ampRouter("port: [1\n", "--base-url", "https://h.example", "--config", "$CONFIG");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^CONFIG: /);

  assert.deepEqual(parseArgs(["amp-router"]), {
    cmd: "error",
    message: "amp-router needs --base-url https://HOST (the address Amp's servers reach cliproxy at)",
  });
  assert.deepEqual(parseArgs(["amp-router", "--base-url", "proxy.example.com"]), {
    cmd: "error",
    message: '--base-url "proxy.example.com" is not an http(s) URL',
  });
  assert.deepEqual(parseArgs(["amp-router", "--base-url"]), { cmd: "error", message: "--base-url needs a value" });
  assert.deepEqual(parseArgs(["amp-router", "--base-url", "https://h", "--key", "x"]), {
    cmd: "error",
    message: 'Unknown amp-router option "--key"',
  });
  assert.deepEqual(parseArgs(["amp-router", "--base-url", "https://h", "-config", "c.yaml"]), {
    cmd: "amp-router",
    baseUrl: "https://h",
    config: "c.yaml",
  });
});

test("mappingEntries() pins both of Amp's spellings to the served id; dottedVersion() and shellQuote() handle the edge cases", () => {
  assert.deepEqual(mappingEntries("team/claude-sonnet-4-5", "team"), [
    "anthropic/claude-sonnet-4-5 -> team/claude-sonnet-4-5",
    "anthropic/claude-sonnet-4.5 -> team/claude-sonnet-4-5",
  ]);
  assert.deepEqual(mappingEntries("grok-4", ""), ["xai/grok-4 -> grok-4"]);
  assert.deepEqual(mappingEntries("o3", ""), ["openai/o3 -> o3"]);
  assert.equal(dottedVersion("claude-sonnet-4-5-20250929"), "claude-sonnet-4.5-20250929");
  assert.equal(dottedVersion("claude-sonnet-4-20250514"), undefined);
  assert.equal(dottedVersion("claude-3-5-sonnet"), "claude-3.5-sonnet");
  assert.equal(shellQuote("https://h.example:8443/x"), "https://h.example:8443/x");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});
