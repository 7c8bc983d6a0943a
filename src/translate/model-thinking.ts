/**
 * Per-model thinking limits (translation.md §5.3), for the models cliproxy knows. A request's reasoning is fitted to
 * its target model before encoding: budget-only models get budgets clamped to their range, level-only models get the
 * nearest level they accept, adaptive Claude models get an effort. Unknown models get the request's setting as given.
 * Values follow CLIProxyAPI's model registry.
 */
import type { Reasoning } from "./ir.js";
import { budgetOf, LEVEL_BUDGET, levelOf } from "./thinking.js";

/** What one model accepts. */
export interface ThinkingSpec {
  /** Budget range in tokens (budget models). */
  min?: number;
  max?: number;
  zeroAllowed?: boolean;
  dynamicAllowed?: boolean;
  /** Levels accepted, lowest first (level-only Gemini models, adaptive Claude models). */
  levels?: readonly string[];
  /** Claude: thinking is `{type:"adaptive"}` plus `output_config.effort`. */
  adaptive?: boolean;
  /** Claude: the model's largest `max_tokens`, used when the client gave none. */
  maxOutput?: number;
}

const CLAUDE_ADAPTIVE = ["low", "medium", "high", "max"] as const;

// First matching prefix wins, so longer prefixes come first.
const TABLE: ReadonlyArray<readonly [string, ThinkingSpec]> = [
  ["claude-opus-4-7", { adaptive: true, levels: CLAUDE_ADAPTIVE, min: 1024, max: 127_999, maxOutput: 128_000 }],
  ["claude-opus-4-6", { adaptive: true, levels: CLAUDE_ADAPTIVE, min: 1024, max: 127_999, maxOutput: 128_000 }],
  ["claude-sonnet-4-6", { adaptive: true, levels: CLAUDE_ADAPTIVE, min: 1024, max: 63_999, maxOutput: 64_000 }],
  ["claude-opus-4-5", { min: 1024, max: 63_999, maxOutput: 64_000 }],
  ["claude-opus-4-1", { min: 1024, max: 31_999, maxOutput: 32_000 }],
  ["claude-sonnet-4-", { min: 1024, max: 63_999, maxOutput: 64_000 }],
  ["claude-haiku-4-5", { min: 1024, max: 63_999, maxOutput: 64_000 }],
  ["gemini-2.5-pro", { min: 128, max: 32_768, dynamicAllowed: true }],
  ["gemini-2.5-flash-lite", { min: 512, max: 24_576, zeroAllowed: true, dynamicAllowed: true }],
  ["gemini-2.5-flash", { min: 1, max: 24_576, zeroAllowed: true, dynamicAllowed: true }],
  ["gemini-3-flash", { levels: ["minimal", "low", "medium", "high"], dynamicAllowed: true }],
  ["gemini-3", { levels: ["low", "high"], dynamicAllowed: true }],
];

/** The thinking limits of a model, when cliproxy knows it. */
export function thinkingSpec(model: string): ThinkingSpec | undefined {
  return TABLE.find(([prefix]) => model.startsWith(prefix))?.[1];
}

const ORDER = ["minimal", "low", "medium", "high", "xhigh", "max"];

/** The accepted level closest to `level`; ties go to the lower one (translation.md §5.3). */
export function nearestLevel(level: string, levels: readonly string[]): string {
  if (levels.includes(level)) return level;
  const at = ORDER.indexOf(level);
  let best = levels[0];
  for (const l of levels) if (Math.abs(ORDER.indexOf(l) - at) < Math.abs(ORDER.indexOf(best) - at)) best = l;
  return best;
}

/** Reasoning fitted to a Gemini model: budgets clamped, levels mapped to the nearest accepted one. */
export function fitGeminiReasoning(r: Reasoning, model: string): Reasoning {
  const spec = thinkingSpec(model);
  // Unknown models: Gemini's API is budget-capable everywhere, levels only on models that declare them
  // (translation.md §5.3), so a level becomes its budget; none/auto and budgets go as given.
  if (!spec)
    return r.level !== undefined && r.level in LEVEL_BUDGET && r.level !== "none" && r.level !== "auto"
      ? { budget: LEVEL_BUDGET[r.level], includeThoughts: r.includeThoughts ?? true }
      : r;
  const level = levelOf(r);
  const include = r.includeThoughts ?? true;
  if (spec.levels) {
    // Level-only models cannot switch thinking off: the lowest level, with thoughts hidden, comes closest.
    if (level === "none") return { level: spec.levels[0], includeThoughts: false };
    if (level === "auto")
      return spec.dynamicAllowed
        ? { level: "auto", includeThoughts: true }
        : { level: nearestLevel("medium", spec.levels), includeThoughts: include };
    return level === undefined ? r : { level: nearestLevel(level, spec.levels), includeThoughts: include };
  }
  const budget = budgetOf(r);
  if (budget === undefined) return r;
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (budget === 0) return { budget: spec.zeroAllowed ? 0 : min, includeThoughts: false };
  if (budget === -1)
    return spec.dynamicAllowed
      ? { budget: -1, includeThoughts: true }
      : { budget: Math.floor((min + max) / 2), includeThoughts: true };
  return { budget: Math.min(max, Math.max(min, budget)), includeThoughts: include };
}

/** Level → Claude `output_config.effort` for an adaptive model (translation.md §5.2); undefined for "auto". */
export function claudeEffort(level: string, levels: readonly string[]): string | undefined {
  if (level === "auto") return undefined;
  if (level === "minimal") return "low";
  if (level === "xhigh" || level === "max") return levels.includes("max") ? "max" : "high";
  return level;
}
