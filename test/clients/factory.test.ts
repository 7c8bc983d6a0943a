/** Factory droid, configured exactly as README.md's "Factory CLI (droid)" section shows, run headless against cliproxy. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientBin } from "../../scripts/clients/pins.ts";
import { runCli } from "../support/cli.ts";
import { startClientRig } from "../support/client-rig.ts";
import { readmeBlock, readmeShell } from "../support/readme.ts";

const found = clientBin("droid");
// The npm shim needs its platform binary (pins.json "also"); without it droid prints how it failed and exits 1.
const { bin, why } = found;

test(
  "droid exec answers through cliproxy for every README customModels entry, named custom:<displayName>-<index>",
  { skip: why, timeout: 300_000 },
  async (t) => {
    const rig = await startClientRig(t);
    const settings = readmeBlock("file", "~/.factory/settings.json");
    rig.writeHomeFile("~/.factory/settings.json", settings);
    const models = (JSON.parse(settings) as { customModels: Array<{ model: string; displayName: string }> })
      .customModels;
    const { env, argv } = readmeShell("factory");
    assert.deepEqual(argv.slice(0, 3), ["droid", "exec", "-m"]);

    const version = await runCli(bin!, ["--version"], { env: rig.env(env), cwd: rig.project, timeoutMs: 30_000 });
    if (version.code !== 0)
      return t.skip(`droid does not start: ${(version.stderr || version.stdout).trim().split("\n")[0]}`);

    const run = await runCli(bin!, argv.slice(1), { env: rig.env(env), cwd: rig.project, timeoutMs: 90_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Hello from cliproxy/);

    for (const [i, m] of models.entries()) {
      const name = `custom:${m.displayName.replaceAll(" ", "-")}-${i}`;
      const before = rig.upstreamModels().length;
      const r = await runCli(bin!, ["exec", "-m", name, "Say hi"], {
        env: rig.env(env),
        cwd: rig.project,
        timeoutMs: 90_000,
      });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, /Hello from cliproxy/, name);
      assert.ok(rig.upstreamModels().length > before, `${name} reached an upstream`);
    }
  },
);
