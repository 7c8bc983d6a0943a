/** opencode, configured exactly as README.md's "opencode" section shows, run headless against cliproxy. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientBin } from "../../scripts/clients/pins.ts";
import { runCli } from "../support/cli.ts";
import { startClientRig } from "../support/client-rig.ts";
import { readmeBlock, readmeShell } from "../support/readme.ts";

const { bin, why } = clientBin("opencode");

test(
  "opencode run answers through cliproxy on each README provider (openai-compatible, openai, anthropic, google)",
  { skip: why, timeout: 600_000 },
  async (t) => {
    const rig = await startClientRig(t);
    const config = readmeBlock("file", "~/.config/opencode/opencode.json");
    rig.writeHomeFile("~/.config/opencode/opencode.json", config);
    const providers = (
      JSON.parse(config) as { provider: Record<string, { npm: string; models: Record<string, unknown> }> }
    ).provider;
    assert.deepEqual(
      Object.values(providers)
        .map((p) => p.npm)
        .sort(),
      ["@ai-sdk/anthropic", "@ai-sdk/google", "@ai-sdk/openai", "@ai-sdk/openai-compatible"],
    );
    const { env, argv } = readmeShell("opencode");
    assert.deepEqual(argv.slice(0, 2), ["opencode", "run"]);

    const run = await runCli(bin!, argv.slice(1), { env: rig.env(env), cwd: rig.project, timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Hello from cliproxy/);

    // one opencode at a time: parallel runs share one session database and stall
    for (const [id, p] of Object.entries(providers)) {
      const model = Object.keys(p.models)[0];
      const r = await runCli(bin!, ["run", "-m", `${id}/${model}`, "Say hi"], {
        env: rig.env(env),
        cwd: rig.project,
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, `${id}/${model}: ${r.stderr}`);
      assert.match(r.stdout, /Hello from cliproxy/, `${id}/${model}`);
    }
    const paths = [...rig.fakes.claude.requests, ...rig.fakes.codex.requests, ...rig.fakes.gemini.requests].length;
    assert.ok(paths >= 5, `every provider reached an upstream (${paths} requests)`);
  },
);
