/** Claude Code, configured exactly as README.md's "Claude Code" section shows, run headless against cliproxy. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientBin } from "../../scripts/clients/pins.ts";
import { runCli } from "../support/cli.ts";
import { startClientRig } from "../support/client-rig.ts";
import { readmeShell } from "../support/readme.ts";

const { bin, why } = clientBin("claude");
const UNKNOWN_WINDOW = /doesn't recognize the model "gpt-5-codex", so it assumes a context window/;

test("claude -p answers through cliproxy with the README's environment", { skip: why, timeout: 180_000 }, async (t) => {
  const rig = await startClientRig(t);
  const { env, argv } = readmeShell("claude-code");
  assert.equal(argv[0], "claude");
  const run = await runCli(bin!, argv.slice(1), { env: rig.env(env), cwd: rig.project, timeoutMs: 150_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Hello from cliproxy/);
  assert.ok(rig.upstreamModels().includes(env.ANTHROPIC_MODEL), rig.upstreamModels().join(", "));
  assert.ok(
    rig.fakes.claude.requests.every((r) => !JSON.stringify(r.headers).includes(env.ANTHROPIC_AUTH_TOKEN)),
    "the client key never goes upstream",
  );
});

test(
  "claude -p on a non-Claude model warns of a 1M window, and CLAUDE_CODE_MAX_CONTEXT_TOKENS as the README sets it silences that",
  { skip: why, timeout: 240_000 },
  async (t) => {
    const rig = await startClientRig(t);
    const base = readmeShell("claude-code").env;
    const { env, argv } = readmeShell("claude-code-other-model");
    const { CLAUDE_CODE_MAX_CONTEXT_TOKENS: _, ...withoutWindow } = env;
    const warned = await runCli(bin!, argv.slice(1), {
      env: rig.env({ ...base, ...withoutWindow }),
      cwd: rig.project,
      timeoutMs: 100_000,
    });
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(
      warned.stdout + warned.stderr,
      UNKNOWN_WINDOW,
      "Claude Code still warns about an unknown model's window",
    );

    const run = await runCli(bin!, argv.slice(1), {
      env: rig.env({ ...base, ...env }),
      cwd: rig.project,
      timeoutMs: 100_000,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Hello from cliproxy/);
    assert.doesNotMatch(run.stdout + run.stderr, UNKNOWN_WINDOW);
    assert.ok(
      rig.fakes.codex.requests.some((r) => r.json?.model === "gpt-5-codex"),
      "the turn went to the Codex upstream",
    );
  },
);
