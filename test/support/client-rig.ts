/**
 * One cliproxy with fake Claude, Codex and Gemini upstreams, a scratch home folder and a project folder: what a
 * real client CLI needs to run a README recipe headless.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { providerKey } from "../../src/config/schema.ts";
import { startSdkFakes } from "./sdk-fakes.ts";
import { startServer, type TestServer } from "./server.ts";
import { EXAMPLE_KEY, EXAMPLE_ROOT } from "./readme.ts";

/** A running rig. */
export interface ClientRig {
  readonly server: TestServer;
  readonly fakes: Awaited<ReturnType<typeof startSdkFakes>>;
  readonly home: string;
  readonly project: string;
  /** Writes a README file block to its `~/` path in the scratch home, pointed at this cliproxy. */
  writeHomeFile(path: string, text: string): void;
  /** The README's environment pointed at this cliproxy, with only PATH, HOME and TERM beside it. */
  env(readme: Record<string, string>): Record<string, string>;
  /** The models the fakes were asked for, in order. */
  upstreamModels(): string[];
}

/** Starts a rig for one test; everything stops when the test ends. */
export async function startClientRig(t: TestContext): Promise<ClientRig> {
  const fakes = await startSdkFakes({ textOnly: true });
  t.after(() => fakes.close());
  const server = await startServer(t, {
    apiKeys: [EXAMPLE_KEY],
    claudeApiKey: [providerKey("sk-ant-fake", { baseUrl: fakes.claude.url })],
    codexApiKey: [providerKey("sk-codex-fake", { baseUrl: fakes.codex.url })],
    geminiApiKey: [providerKey("AIza-fake", { baseUrl: fakes.gemini.url })],
  });
  const home = mkdtempSync(join(tmpdir(), "cliproxy-client-home-"));
  const project = join(home, "project");
  mkdirSync(project);
  const local = (s: string) => s.replaceAll(EXAMPLE_ROOT, server.url);
  return {
    server,
    fakes,
    home,
    project,
    writeHomeFile(path, text) {
      const target = join(home, path.replace(/^~\//, ""));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, local(text));
    },
    env(readme) {
      const out: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        TERM: "dumb",
        NO_COLOR: "1",
      };
      for (const [k, v] of Object.entries(readme)) out[k] = local(v);
      return out;
    },
    upstreamModels() {
      const all = [
        ...fakes.claude.requests,
        ...fakes.codex.requests,
        ...fakes.gemini.requests,
        ...fakes.openai.requests,
      ];
      return all.map((r) => String(r.json?.model ?? /models\/([^:/]+):/.exec(r.url)?.[1]));
    },
  };
}
