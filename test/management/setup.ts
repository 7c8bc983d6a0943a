/** Shared setup for the management tests: a cliproxy with a commented config.yaml and a management key. */
import type { TestContext } from "node:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import type { AmpConfig, Config } from "../../src/config/schema.js";
import type { Clock } from "../../src/server/handler.js";
import { startServer, type TestServer } from "../support/server.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

/** The management key of every setup. */
export const KEY = "s3cret-management";

/** A config full of comments, blank lines and quoting, the way people write them. */
export const COMMENTED = `# cliproxy config — hand written
port: 8317   # the usual port

# keys my team uses
api-keys:
  - "team-key-1"   # alice
  - 'team-key-2'   # bob

debug: false # flip when something breaks
request-retry: 2

# providers
claude-api-key:
  # main account
  - api-key: sk-claude-main-0000000000
    base-url: https://claude.example   # corporate gateway
    weight: 3   # unknown to cliproxy, kept
  - api-key: sk-claude-spare-000000000

routing:
  strategy: round-robin   # or fill-first
`;

/** A running setup. */
export interface Mgmt {
  readonly s: TestServer;
  readonly configPath: string;
  readonly dir: string;
  /** Calls /v0/management<path> with the key (or the given headers). */
  call(
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; json: any; headers: Headers }>;
  /** The config file's text now. */
  text(): string;
}

/** Options of mgmt(). */
export interface MgmtOptions {
  readonly file?: string;
  readonly config?: Partial<Omit<Config, "ampcode">> & { ampcode?: Partial<AmpConfig> };
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  /** Secret in the running config ("" turns management off). */
  readonly secret?: string;
}

/** Starts cliproxy with `file` as its config (loaded as start() would) and the management key set in memory. */
export async function mgmt(t: TestContext, options: MgmtOptions = {}): Promise<Mgmt> {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-mgmt-"));
  const configPath = join(dir, "config.yaml");
  const file = options.file ?? COMMENTED;
  writeFileSync(configPath, file);
  const loaded = parseConfig(file, { kinds: PROVIDER_KINDS, homeDir: dir, env: {} }).config;
  const secret = options.secret ?? KEY;
  const s = await startServer(
    t,
    {
      ...loaded,
      authDir: join(dir, "auth"),
      ...options.config,
      remoteManagement: { ...loaded.remoteManagement, secretKey: secret, ...options.config?.remoteManagement },
    },
    { configPath, env: options.env, clock: options.clock, homeDir: dir },
  );
  return {
    s,
    configPath,
    dir,
    async call(method, path, body, headers = { authorization: `Bearer ${KEY}` }) {
      const res = await fetch(`${s.url}/v0/management${path}`, { method, body, headers });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json, headers: res.headers };
    },
    text: () => readFileSync(configPath, "utf8"),
  };
}

/** Lines of `after` that differ from `before` at the same position (both must have the same line count), as [before, after] pairs. */
export function changedLines(before: string, after: string): Array<[string, string]> {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length !== b.length) throw new Error(`line count changed: ${a.length} -> ${b.length}`);
  return a.flatMap((line, i) => (line === b[i] ? [] : [[line, b[i]] as [string, string]]));
}
