/** Codex CLI, configured exactly as README.md's "Codex CLI" section shows, run headless against cliproxy. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { clientBin } from "../../scripts/clients/pins.ts";
import { runCli } from "../support/cli.ts";
import { startClientRig } from "../support/client-rig.ts";
import { readmeBlocks, readmeShell } from "../support/readme.ts";

const { bin, why } = clientBin("codex");

test(
  "codex exec answers through cliproxy with the README's config.toml, each profile file and environment",
  { skip: why, timeout: 300_000 },
  async (t) => {
    const rig = await startClientRig(t);
    const files = readmeBlocks().filter((b) => b.kind === "file" && b.name.startsWith("~/.codex/"));
    assert.ok(
      files.some((f) => f.name === "~/.codex/config.toml"),
      "the README shows ~/.codex/config.toml",
    );
    for (const f of files) {
      assert.doesNotMatch(f.text, /^\[profiles\./m, `${f.name}: Codex 0.171 refuses [profiles.*] tables`);
      rig.writeHomeFile(f.name, f.text);
    }
    const { env, argv } = readmeShell("codex");
    assert.deepEqual(argv.slice(0, 2), ["codex", "exec"]);
    const run = await runCli(bin!, argv.slice(1), { env: rig.env(env), cwd: rig.project, timeoutMs: 90_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Hello from cliproxy/);
    assert.ok(rig.fakes.claude.requests.length > 0, "--profile claude reached the Claude upstream");

    // every profile file the README shows, and the default model, each answer
    const profiles = files
      .map((f) => /^~\/\.codex\/(.+)\.config\.toml$/.exec(f.name)?.[1])
      .filter((p) => p !== undefined);
    assert.ok(profiles.length >= 2, profiles.join(", "));
    for (const args of [
      ["exec", "--skip-git-repo-check", "Say hi"],
      ...profiles.map((p) => ["exec", "--skip-git-repo-check", "--profile", p, "Say hi"]),
    ]) {
      const r = await runCli(bin!, args, { env: rig.env(env), cwd: rig.project, timeoutMs: 90_000 });
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /Hello from cliproxy/, args.join(" "));
    }
    assert.ok(rig.fakes.gemini.requests.length > 0 && rig.fakes.codex.requests.length > 0);
  },
);

test(
  "codex says 'Model metadata … not found' for a name outside its catalog, as the README explains",
  { skip: why, timeout: 120_000 },
  async (t) => {
    const rig = await startClientRig(t);
    for (const f of readmeBlocks().filter((b) => b.kind === "file" && b.name.startsWith("~/.codex/")))
      rig.writeHomeFile(f.name, f.text);
    const r = await runCli(bin!, ["exec", "--skip-git-repo-check", "Say hi"], {
      env: rig.env(readmeShell("codex").env),
      cwd: rig.project,
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /Model metadata for `gpt-5-codex` not found/);
  },
);
