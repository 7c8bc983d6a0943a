/**
 * The one thinking-suffix parser (translation.md §5.1): `gpt-5(high)`, `claude-sonnet-4-5(8192)`,
 * `gemini-2.5-pro(none)`. Routing, Amp mappings, usage records and the translators all read a model name
 * through parseModelName(), so they agree on every edge case (test/translate/model-suffix.test.ts):
 * - only a final `(…)` with no parenthesis inside counts: `a(b(c))` has no suffix, `a(b)(c)` has `c`;
 * - the name before it must not be empty: `(high)` is a name, not a suffix;
 * - an empty `()` is a suffix with no value: it routes on the base and asks for no reasoning;
 * - the value is read trimmed and case-blind: a level, `auto`/`-1`, `none`/`0`, or a budget in tokens;
 *   anything else (`(foo)`, `(-5)`) is still split off for routing but asks for no reasoning;
 * - `-thinking` in a name is part of the name (Claude's `…-thinking` ids are served ids, not suffixes).
 */
import type { Reasoning } from "./ir.js";
import { LEVEL_BUDGET } from "./thinking.js";

/** A requested model name split at its thinking suffix. */
export interface ModelName {
  /** The name without its suffix; the whole trimmed name when it has none. */
  readonly base: string;
  /** What was inside the final `(…)` as written, maybe ""; undefined without a suffix. */
  readonly suffix?: string;
  /** The reasoning the suffix asks for; undefined when it names none. */
  readonly reasoning?: Reasoning;
}

const SUFFIX = /^(.+)\(([^()]*)\)$/s;

/** Splits `name(value)` into the base name, the suffix text and the reasoning it asks for. */
export function parseModelName(model: string): ModelName {
  const trimmed = model.trim();
  const m = SUFFIX.exec(trimmed);
  if (!m) return { base: trimmed };
  const [, base, suffix] = m;
  const reasoning = reasoningOf(suffix);
  return reasoning ? { base, suffix, reasoning } : { base, suffix };
}

/** The reasoning a suffix value asks for, if any. */
function reasoningOf(raw: string): Reasoning | undefined {
  const v = raw.trim().toLowerCase();
  if (v === "none" || v === "0") return { level: "none" };
  if (v === "auto" || v === "-1") return { level: "auto" };
  if (v in LEVEL_BUDGET) return { level: v };
  if (/^\d+$/.test(v)) return { budget: Number(v) };
  return undefined;
}

/** `base(suffix)`, or `base` when there is no suffix. */
export function withSuffix(base: string, suffix: string | undefined): string {
  return suffix === undefined ? base : `${base}(${suffix})`;
}
