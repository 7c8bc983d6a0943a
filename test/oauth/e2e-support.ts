/**
 * A whole cliproxy for the subscription end-to-end tests: started by start() from a YAML config file
 * (as `cliproxy` runs), with token files in its auth-dir and every OAuth and backend URL pointed at
 * fakes on loopback through the `oauth-endpoints` block.
 */
import type { TestContext } from "node:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, type Started } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";
import type { Config } from "../../src/config/schema.js";
import { formatTime } from "../../src/oauth/store.js";

/** The client key every end-to-end config carries. */
export const CLIENT_KEY = "sk-client-e2e-000000001";

/** A running proxy. */
export interface Proxy {
  readonly url: string;
  readonly configPath: string;
  readonly started: Started;
  readonly authDir: string;
  readonly logs: string[];
}

/** What to start with. */
export interface ProxyOptions {
  readonly files?: Record<string, unknown>;
  readonly endpoints?: Config["oauthEndpoints"];
  /** Extra top-level YAML lines. */
  readonly yaml?: readonly string[];
  readonly env?: Record<string, string>;
}

/** The `oauth-endpoints` block as YAML lines. */
export function endpointsYaml(endpoints: Config["oauthEndpoints"]): string[] {
  const lines = ["oauth-endpoints:"];
  for (const [provider, fields] of Object.entries(endpoints)) {
    lines.push(`  ${provider}:`);
    for (const [field, value] of Object.entries(fields)) {
      if (Array.isArray(value)) lines.push(`    ${field}:`, ...value.map((v) => `      - "${v}"`));
      else lines.push(`    ${field}: "${value}"`);
    }
  }
  return lines.length > 1 ? lines : [];
}

/** Writes token files (objects as one-line JSON, strings as they are). */
export function writeTokens(dir: string, files: Record<string, unknown>): void {
  for (const [name, data] of Object.entries(files))
    writeFileSync(join(dir, name), typeof data === "string" ? data : JSON.stringify(data));
}

/** Starts cliproxy from a config file in a fresh directory; stopped when the test ends. */
export async function startProxy(t: TestContext, options: ProxyOptions = {}): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-oauth-e2e-"));
  const authDir = join(dir, "auth");
  mkdirSync(authDir, { mode: 0o700 });
  writeTokens(authDir, options.files ?? {});
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    [
      "host: 127.0.0.1",
      "api-keys:",
      `  - "${CLIENT_KEY}"`,
      `auth-dir: "${authDir}"`,
      ...endpointsYaml(options.endpoints ?? {}),
      ...(options.yaml ?? []),
      "",
    ].join("\n"),
  );
  const logs: string[] = [];
  const log = createLogger({ level: "debug", sink: (line) => logs.push(line) });
  const started = await start({ configPath, cwd: dir, homeDir: dir, port: 0, env: options.env ?? {}, log });
  t.after(() => started.stop(1000));
  return { url: started.url, configPath, started, authDir, logs };
}

/** POSTs JSON with the client key. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** An expiry `ms` from now, as CLIProxyAPI writes it. */
export function expiresIn(ms: number): string {
  return formatTime(Date.now() + ms);
}

/** A Claude token file. */
export function claudeFile(token: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "claude",
    access_token: token,
    refresh_token: `${token}-refresh`,
    email: "u@example.com",
    expired: expiresIn(8 * 3600_000),
    ...fields,
  };
}

/** A minimal Anthropic message answer. */
export function claudeMessage(text = "hi"): Record<string, unknown> {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  };
}

/** A Messages request body. */
export function messages(system?: string): Record<string, unknown> {
  return {
    model: "claude-sonnet-4-5",
    max_tokens: 8,
    ...(system ? { system } : {}),
    messages: [{ role: "user", content: "hi" }],
  };
}
