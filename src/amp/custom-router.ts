/**
 * `cliproxy amp-router --base-url https://HOST [--config F]`: prints the `amp config model-providers
 * add-router custom-url …` commands that make Amp's servers (the Neo builds run inference there) call
 * this cliproxy for the models its config serves. One router per API format, each model in the best
 * one for its credentials: anthropic-messages for Claude, responses for Codex, chat-completions for the
 * rest. Amp's mapping syntax (`amp config model-providers add-router --help`): comma-separated
 * `provider/model` patterns, `-> provider-model-id` allowed after an exact id. Amp spells versions with
 * dots or dashes (`anthropic/claude-sonnet-4.6`, `anthropic/claude-opus-4-6` in its own help), so each
 * model is listed in both spellings, each pinned with `->` to the exact id cliproxy serves: whatever Amp
 * calls it, the id it sends is one cliproxy knows.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { embeddedConfig, loadConfigFile, ConfigError } from "../config/load.js";
import { exampleKeys } from "../config/safe-mode.js";
import type { Config } from "../config/schema.js";
import { credentialsFromConfig } from "../providers/credentials.js";
import { PROVIDER_KINDS } from "../providers/kinds.js";
import type { Credential } from "../providers/types.js";
import type { ProviderKind } from "../providers/kinds.js";
import { ALL_POOL_KINDS, poolCredentials } from "../providers/oauth-pool.js";
import { loadAuthDir } from "../oauth/store.js";

/** Amp's custom-url API formats. */
export type ApiFormat = "anthropic-messages" | "responses" | "chat-completions";

/** Where the key file goes; `~` is left for the shell to expand. */
export const KEY_FILE = "~/.config/amp/cliproxy.key";

/** Shorter client keys get a warning: the lockout cannot slow guessing (server/auth.ts), only length can. */
export const MIN_EXPOSED_KEY_LENGTH = 32;

const FORMATS: ReadonlyArray<{ format: ApiFormat; name: string; kinds: readonly ProviderKind[] | undefined }> = [
  { format: "anthropic-messages", name: "cliproxy-anthropic", kinds: ["claude"] },
  { format: "responses", name: "cliproxy-responses", kinds: ["codex"] },
  { format: "chat-completions", name: "cliproxy-chat", kinds: undefined },
];

/** One add-router command's content. */
export interface RouterGroup {
  readonly format: ApiFormat;
  readonly name: string;
  /** Mapping entries, `provider/model -> served-id` or a bare pattern. */
  readonly mapping: readonly string[];
}

/** Amp's provider for a model id (`claude-…` → anthropic); undefined when the family is unknown. */
export function ampProvider(id: string): string | undefined {
  const m = id.toLowerCase();
  if (m.startsWith("claude")) return "anthropic";
  if (/^(gpt|o\d|codex|chatgpt)/.test(m)) return "openai";
  if (m.startsWith("gemini")) return "google";
  if (m.startsWith("grok")) return "xai";
  return undefined;
}

/** The first version pair written with a dot (`claude-sonnet-4-6` → `claude-sonnet-4.6`); undefined when there is none. */
export function dottedVersion(id: string): string | undefined {
  const out = id.replace(/(\d)-(\d{1,2})(?=-|$)/, "$1.$2");
  return out === id ? undefined : out;
}

/** The mapping entries for one served id: Amp's spellings pinned to it, or any-provider pattern (star, slash, id) for an unknown family. */
export function mappingEntries(served: string, prefix: string): string[] {
  const bare = prefix && served.startsWith(`${prefix}/`) ? served.slice(prefix.length + 1) : served;
  if (bare.includes("/")) return [`${bare} -> ${served}`]; // already provider/model (OpenRouter-style names)
  const provider = ampProvider(bare);
  if (!provider) return [`*/${bare}`];
  const names = [bare, dottedVersion(bare)].filter((n): n is string => n !== undefined);
  return names.map((n) => `${provider}/${n} -> ${served}`);
}

/** The routers for a credential list: each served id once, in the first format whose kinds include a credential serving it. */
export function routerGroups(credentials: readonly Credential[]): RouterGroup[] {
  const placed = new Set<string>();
  const groups: RouterGroup[] = [];
  for (const f of FORMATS) {
    const mapping: string[] = [];
    for (const cred of credentials) {
      if (f.kinds && !(f.kinds as readonly string[]).includes(cred.kind)) continue;
      for (const id of [...cred.models.keys()].sort()) {
        // With a credential prefix both `p/id` and `id` are served (unless force-model-prefix): list the id once.
        const key =
          cred.prefix && id.startsWith(`${cred.prefix}/`) && cred.models.has(id.slice(cred.prefix.length + 1))
            ? id.slice(cred.prefix.length + 1)
            : id;
        if (placed.has(key)) continue;
        placed.add(key);
        for (const e of mappingEntries(key, cred.prefix)) if (!mapping.includes(e)) mapping.push(e);
      }
    }
    if (mapping.length) groups.push({ format: f.format, name: f.name, mapping });
  }
  return groups;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What to print: the commands (stdout) and the warnings (stderr). */
export interface RouterPlan {
  readonly lines: string[];
  readonly warnings: string[];
}

/** Builds the output for a base URL, the served credentials and the client keys (only their count and length are used). */
export function routerPlan(
  baseUrl: string,
  credentials: readonly Credential[],
  apiKeys: readonly string[],
  configLabel: string,
): RouterPlan {
  const warnings: string[] = [];
  const url = new URL(baseUrl);
  const base = baseUrl.replace(/\/+$/, "");
  if (url.protocol !== "https:") {
    warnings.push(
      `warning: --base-url ${base} is not https: Amp's servers call only HTTPS URLs, and the key would cross the internet in clear; give cliproxy a certificate (tls:) or put it behind a TLS proxy (README "Amp's custom-url model router")`,
    );
  }
  if (apiKeys.length === 0) {
    warnings.push(
      `warning: ${configLabel} has no api-keys: without one cliproxy answers only this machine, so Amp's servers would be refused; add a long random key to api-keys (openssl rand -hex 32)`,
    );
  }
  apiKeys.forEach((k, i) => {
    if (k.length < MIN_EXPOSED_KEY_LENGTH)
      warnings.push(
        `warning: api-keys[${i}] is ${k.length} characters long; a key reachable from the internet should be long and random (openssl rand -hex 32)`,
      );
  });
  const groups = routerGroups(credentials);
  const lines = [
    `# Amp's custom-url model router: Amp's servers call ${base} for the models ${configLabel} serves.`,
    `# 1. Put one of the api-keys of ${configLabel} in a file only you can read (never on a command line):`,
    "read -rs CLIPROXY_KEY   # paste the key, then Enter",
    `(umask 077; mkdir -p ~/.config/amp && printf %s "$CLIPROXY_KEY" > ${KEY_FILE}); unset CLIPROXY_KEY`,
    `# 2. Add the router${groups.length === 1 ? "" : "s"} (one per API format; --workspace instead of --personal shares ${groups.length === 1 ? "it" : "them"} with your workspace):`,
    ...groups.map((g) =>
      [
        "amp config model-providers add-router custom-url --personal",
        `--name ${g.name}`,
        `--base-url ${shellQuote(base)}`,
        `--api-format ${g.format}`,
        `--api-key-file ${KEY_FILE}`,
        `--model-mapping ${shellQuote(g.mapping.join(","))}`,
        "--active",
      ].join(" "),
    ),
  ];
  return { lines, warnings };
}

/** Where the command writes, and what it reads. */
export interface RouterIo {
  out(text: string): void;
  err(text: string): void;
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** Runs `cliproxy amp-router`: loads the config (--config, ./config.yaml, or the embedded default) and auth-dir, prints the plan. */
export async function runAmpRouter(options: { baseUrl: string; config?: string }, io: RouterIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const path = options.config
    ? resolve(cwd, options.config)
    : existsSync(resolve(cwd, "config.yaml"))
      ? resolve(cwd, "config.yaml")
      : undefined;
  let config: Config;
  try {
    config = path
      ? (await loadConfigFile(path, { path, homeDir: io.homeDir, env: io.env, cwd, kinds: PROVIDER_KINDS })).config
      : embeddedConfig({ homeDir: io.homeDir, env: io.env }).config;
  } catch (err) {
    if (err instanceof ConfigError) for (const p of err.problems) io.err(`${err.path}: ${p}`);
    else io.err(`cliproxy: ${(err as Error).message}`);
    return 1;
  }
  const label = options.config ?? (path ? "config.yaml" : "the embedded default config");
  const tokens = await loadAuthDir(config.authDir);
  const credentials = [
    ...credentialsFromConfig(config, PROVIDER_KINDS).credentials,
    ...poolCredentials(tokens.credentials, config, ALL_POOL_KINDS),
  ];
  if (credentials.every((c) => c.models.size === 0)) {
    io.err(
      `cliproxy: no credential in ${label} (or token file in ${config.authDir}) serves a model; add provider keys or run cliproxy login`,
    );
    return 1;
  }
  const plan = routerPlan(options.baseUrl, credentials, config.apiKeys, label);
  if (exampleKeys(config).length > 0)
    plan.warnings.push(
      `warning: api-keys still holds the example keys of config.example.yaml; cliproxy serves only a page asking to replace them`,
    );
  for (const w of plan.warnings) io.err(w);
  for (const l of plan.lines) io.out(l);
  return 0;
}
