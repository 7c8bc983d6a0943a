/**
 * STUB (to be replaced by the config engineer): loading config.yaml into a Config.
 * Contract:
 *   parseConfig(text, opts) → LoadResult, throws ConfigError listing every problem with line:col / key path
 *   loadConfigFile(path, opts) → Promise<LoadResult>
 *   embeddedConfig(opts) → LoadResult (defaults + provider keys from the environment)
 */
import { join } from "node:path";
import { DEFAULT_CONFIG, makeConfig, providerKey, type Config } from "./schema.js";

/** A loaded config and the warnings found while loading it. */
export interface LoadResult {
  readonly config: Config;
  readonly warnings: readonly string[];
}

/** Options for loading. */
export interface LoadOptions {
  readonly path?: string;
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A config that cannot be used; `problems` each name a key path and line:column. */
export class ConfigError extends Error {
  constructor(readonly path: string, readonly problems: readonly string[]) {
    super(`Cannot read config "${path}": ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Expands a leading ~ to the home directory. */
export function expandHome(p: string, homeDir: string): string {
  return p === "~" ? homeDir : p.startsWith("~/") ? join(homeDir, p.slice(2)) : p;
}

/** Parses config text. */
export function parseConfig(_text: string, options: LoadOptions): LoadResult {
  throw new ConfigError(options.path ?? "config.yaml", ["config files are not supported yet"]);
}

/** Reads and parses a config file. */
export async function loadConfigFile(path: string, options: LoadOptions): Promise<LoadResult> {
  return parseConfig("", { ...options, path });
}

/** The embedded default: no file; provider keys from ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY. */
export function embeddedConfig(options: LoadOptions): LoadResult {
  const env = options.env;
  const warnings: string[] = [];
  const config = makeConfig({
    authDir: expandHome(DEFAULT_CONFIG.authDir, options.homeDir),
    claudeApiKey: env.ANTHROPIC_API_KEY ? [providerKey(env.ANTHROPIC_API_KEY)] : [],
    codexApiKey: env.OPENAI_API_KEY ? [providerKey(env.OPENAI_API_KEY, { baseUrl: "https://api.openai.com/v1" })] : [],
    geminiApiKey: env.GEMINI_API_KEY ? [providerKey(env.GEMINI_API_KEY)] : [],
  });
  return { config, warnings };
}
