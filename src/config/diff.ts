/**
 * Which settings changed between two configs, named by their YAML key paths (never their values,
 * which may be secrets), and which of those only take effect after a restart (config.md §7).
 */
import { isDeepStrictEqual } from "node:util";
import type { Config } from "./schema.js";

/** Config fields whose YAML name is not the plain kebab-case of the field name. */
const YAML_NAMES: Record<string, string> = {
  bodyLimitBytes: "body-limit-mb",
  shutdownTimeoutMs: "shutdown-timeout",
  upstreamConnectTimeoutMs: "upstream-connect-timeout",
  upstreamResponseTimeoutMs: "upstream-response-timeout",
  upstreamIdleTimeoutMs: "upstream-idle-timeout",
  apiKeyLockoutMs: "api-key-lockout-duration",
  sessionAffinityTtlMs: "session-affinity-ttl",
  upstreamTimeoutMs: "upstream-timeout",
  tunnelIdleTimeoutMs: "tunnel-idle-timeout",
  tunnelHandshakeTimeoutMs: "tunnel-handshake-timeout",
  gptImage2BaseModel: "gpt-image-2-base-model",
};

/** Nested blocks reported one level down (`routing.strategy`); other values are reported whole. */
const BLOCKS = new Set(["tls", "remoteManagement", "quotaExceeded", "routing", "streaming", "ampcode"]);

/** Settings the running server cannot apply: a reload keeps their old values and logs "needs restart". */
export const RESTART_ONLY = ["host", "port", "tls", "commercialMode", "authAutoRefreshWorkers", "workers"] as const;

/** The YAML spelling of a Config field name. */
export function yamlName(field: string): string {
  return YAML_NAMES[field] ?? field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** YAML key paths whose values differ between `a` and `b`, in Config field order. */
export function changedKeys(a: Config, b: Config): string[] {
  const out: string[] = [];
  for (const field of Object.keys(b) as Array<keyof Config>) {
    const x = a[field];
    const y = b[field];
    if (isDeepStrictEqual(x, y)) continue;
    if (BLOCKS.has(field) && typeof x === "object" && typeof y === "object" && x && y) {
      for (const sub of new Set([...Object.keys(x), ...Object.keys(y)])) {
        if (!isDeepStrictEqual((x as Record<string, unknown>)[sub], (y as Record<string, unknown>)[sub]))
          out.push(`${yamlName(field)}.${yamlName(sub)}`);
      }
    } else out.push(yamlName(field));
  }
  return out;
}

/** `next` with the restart-only settings of `running` kept, and the names of those that differed. */
export function keepRestartOnly(running: Config, next: Config): { config: Config; needsRestart: string[] } {
  const needsRestart = RESTART_ONLY.filter((k) => !isDeepStrictEqual(running[k], next[k])).map(yamlName);
  const kept: Partial<Record<(typeof RESTART_ONLY)[number], unknown>> = {};
  for (const k of RESTART_ONLY) kept[k] = running[k];
  return { config: { ...next, ...kept } as Config, needsRestart };
}
