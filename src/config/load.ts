/**
 * Loading config.yaml into a Config. Every problem in a file is reported at once, each naming its
 * key path and line:column, so one edit-and-retry fixes them all; warnings never stop a load.
 */
import { existsSync } from "node:fs";
import { readConfigBytes } from "./token-read.js";
import { resolve } from "node:path";
import { DEFAULT_CONFIG, makeConfig, providerKey, type Config } from "./schema.js";
import { parseYaml, YamlError } from "./yaml.js";
import { Reader } from "./reader.js";
import { expandHome, readConfig } from "./validate.js";
import type { KindTable } from "./kinds.js";

/** Expands a leading ~ to the home directory (re-exported: part of this module's contract). */
export { expandHome };

/** A loaded config and the warnings found while loading it. */
export interface LoadResult {
  readonly config: Config;
  readonly warnings: readonly string[];
  /** Keys cliproxy does not know (each also a warning), e.g. `api-key`; `check-config` fails on them. */
  readonly unknownKeys?: readonly string[];
}

/** Options for loading. */
export interface LoadOptions {
  readonly path?: string;
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The provider kinds whose lists config.yaml may hold (the App's `kinds`; PROVIDER_KINDS in providers/kinds.ts). */
  readonly kinds: KindTable;
  /** Base for a relative auth-dir (default: the process's working directory, as upstream). */
  readonly cwd?: string;
}

/** A config that cannot be used; `problems` each name a key path and line:column. */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`Cannot read config "${path}": ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Parses config text into a Config; throws ConfigError listing every problem. */
export function parseConfig(text: string, options: LoadOptions): LoadResult {
  const file = options.path ?? "config.yaml";
  let doc;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YamlError) throw new ConfigError(file, [err.message]);
    throw err;
  }
  const reader = new Reader(doc);
  const config = readConfig(reader, { homeDir: options.homeDir, cwd: options.cwd, kinds: options.kinds });
  if (reader.problems.length) throw new ConfigError(file, reader.problems);
  reader.reportUnknown();
  return { config, warnings: reader.warnings, unknownKeys: reader.unknown };
}

/** Reads and parses a config file. */
export async function loadConfigFile(path: string, options: LoadOptions): Promise<LoadResult> {
  let text: string;
  try {
    text = (await readConfigBytes(path)).toString("utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code ? `cannot read the file: ${code}` : `the file ${(err as Error).message}`]);
  }
  return parseConfig(text, { ...options, path });
}

/** The embedded default: no file; provider keys from ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY. */
export function embeddedConfig(options: Pick<LoadOptions, "homeDir" | "env">): LoadResult {
  const env = options.env;
  const key = (name: string) => env[name]?.trim() ?? "";
  const config = makeConfig({
    authDir: expandHome(DEFAULT_CONFIG.authDir, options.homeDir),
    claudeApiKey: key("ANTHROPIC_API_KEY") ? [providerKey(key("ANTHROPIC_API_KEY"))] : [],
    codexApiKey: key("OPENAI_API_KEY")
      ? [providerKey(key("OPENAI_API_KEY"), { baseUrl: "https://api.openai.com/v1" })]
      : [],
    geminiApiKey: key("GEMINI_API_KEY") ? [providerKey(key("GEMINI_API_KEY"))] : [],
  });
  return { config, warnings: [] };
}

/** Finds the config file: --config, else ./config.yaml when present, else none (embedded default). */
export function findConfig(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  const local = resolve(cwd, "config.yaml");
  return existsSync(local) ? local : undefined;
}
