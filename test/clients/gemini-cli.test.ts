/** Gemini CLI, configured exactly as README.md's "Gemini CLI" section shows, run headless against cliproxy. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientBin } from "../../scripts/clients/pins.ts";
import { runCli } from "../support/cli.ts";
import { startClientRig } from "../support/client-rig.ts";
import { readmeBlock, readmeShell } from "../support/readme.ts";

const { bin, why } = clientBin("gemini");

test(
  "gemini -p answers through cliproxy with the README's settings.json and environment, and fails without the settings",
  { skip: why, timeout: 300_000 },
  async (t) => {
    const rig = await startClientRig(t);
    const { env, argv } = readmeShell("gemini-cli");
    assert.equal(argv[0], "gemini");

    const refused = await runCli(bin!, argv.slice(1), { env: rig.env(env), cwd: rig.project, timeoutMs: 120_000 });
    assert.notEqual(refused.code, 0, "without settings.json the gateway auth type is refused");
    assert.match(refused.stdout + refused.stderr, /Invalid auth method selected/);

    rig.writeHomeFile("~/.gemini/settings.json", readmeBlock("file", "~/.gemini/settings.json"));
    const run = await runCli(bin!, argv.slice(1), { env: rig.env(env), cwd: rig.project, timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Hello from cliproxy/);
    assert.ok(rig.upstreamModels().includes(env.GEMINI_MODEL), rig.upstreamModels().join(", "));
  },
);
