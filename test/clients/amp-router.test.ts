/**
 * The commands `cliproxy amp-router` prints, run by bash with the pinned newest Amp CLI against a
 * stand-in Amp server: Amp accepts every flag and mapping, reads the key from the 0600 file, and asks
 * its server to create one custom-url router per API format with exactly what cliproxy printed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientBin } from "../../scripts/clients/pins.js";
import { parseArgs, runCommand } from "../../src/main.js";
import { sendJson, startFake } from "../support/fake-upstream.js";

const KEY = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";

const CONFIG = `
api-keys: ["${KEY}"]
claude-api-key:
  - api-key: sk-ant-1
    models: [{name: claude-sonnet-4-6}]
codex-api-key:
  - api-key: sk-codex-1
    base-url: https://api.openai.com/v1
    models: [{name: gpt-5.1}]
`;

const amp = clientBin("amp");

test(
  "the newest Amp CLI accepts the printed amp-router commands and sends each router as printed, with the key from the file",
  { skip: amp.why },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "cliproxy-amp-router-cli-"));
    const home = join(dir, "home");
    const bin = join(dir, "bin");
    mkdirSync(join(dir, "auth"));
    mkdirSync(home);
    mkdirSync(bin);
    symlinkSync(amp.bin!, join(bin, "amp"));
    const config = join(dir, "config.yaml");
    writeFileSync(config, `auth-dir: ${join(dir, "auth")}\n${CONFIG}`);
    let script = "";
    const code = await runCommand(
      parseArgs(["amp-router", "--base-url", "https://proxy.example.com", "--config", config]),
      {
        out: (l) => void (script += l + "\n"),
        err: (l) => assert.fail(`unexpected warning: ${l}`),
        homeDir: home,
        env: {},
      },
    );
    assert.equal(code, 0);

    const A = await startFake(t, (r, res) =>
      sendJson(res, 200, {
        ok: true,
        result: r.json?.method === "checkModelProviderAccess" ? { allowed: true } : { id: "mpk_1" },
      }),
    );
    const child = spawn("bash", ["-c", script], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: home,
        AMP_URL: A.url,
        AMP_API_KEY: "amp-test-key",
        NO_COLOR: "1",
      },
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.stdin.end(`${KEY}\n`); // what the user pastes at `read -rs`
    await new Promise((done) => child.once("close", done));

    const keyFile = join(home, ".config", "amp", "cliproxy.key");
    assert.equal(readFileSync(keyFile, "utf8"), KEY);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const created = A.requests.filter((r) => r.json?.method === "createModelProviderKey").map((r) => r.json.params);
    assert.deepEqual(
      created.map((p) => ({ ...p, config: { ...p.config } })),
      [
        {
          target: "user",
          type: "model_provider_custom_url",
          name: "cliproxy-anthropic",
          secret: KEY,
          active: true,
          config: {
            headers: [],
            queryParams: {},
            apiFormat: "anthropic-messages",
            baseURL: "https://proxy.example.com",
            modelMapping:
              "anthropic/claude-sonnet-4-6 -> claude-sonnet-4-6\nanthropic/claude-sonnet-4.6 -> claude-sonnet-4-6",
          },
        },
        {
          target: "user",
          type: "model_provider_custom_url",
          name: "cliproxy-responses",
          secret: KEY,
          active: true,
          config: {
            headers: [],
            queryParams: {},
            apiFormat: "responses",
            baseURL: "https://proxy.example.com",
            modelMapping: "openai/gpt-5.1 -> gpt-5.1",
          },
        },
      ],
    );
    assert.ok(A.requests.every((r) => r.headers.authorization === "Bearer amp-test-key"));
  },
);
