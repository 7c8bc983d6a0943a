/** Thinking controls and signatures across dialects (translation.md §5): the conversion tables live here only. */
import type { Reasoning } from "./ir.ts";

/** Level → budget (translation.md §5.2). */
export const LEVEL_BUDGET: Readonly<Record<string, number>> = {
  none: 0,
  auto: -1,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 128000,
};

/** Budget → level (translation.md §5.2); below −1 is invalid and yields undefined. */
export function budgetToLevel(budget: number): string | undefined {
  if (budget === -1) return "auto";
  if (budget === 0) return "none";
  if (budget < -1) return undefined;
  if (budget <= 512) return "minimal";
  if (budget <= 1024) return "low";
  if (budget <= 8192) return "medium";
  if (budget <= 24576) return "high";
  return "xhigh";
}

/** The effective level of a reasoning setting, whether it was given as a level or a budget. */
export function levelOf(r: Reasoning): string | undefined {
  if (r.level !== undefined) return r.level;
  if (r.budget !== undefined) return budgetToLevel(r.budget);
  return r.includeThoughts ? "auto" : undefined;
}

/** The effective budget of a reasoning setting (−1 = dynamic, 0 = off). */
export function budgetOf(r: Reasoning): number | undefined {
  if (r.budget !== undefined) return r.budget;
  if (r.level !== undefined) return LEVEL_BUDGET[r.level.toLowerCase()];
  return r.includeThoughts ? -1 : undefined;
}

/** Which provider family produced a thinking signature. */
export type SignatureOrigin = "claude" | "gemini" | "gpt";

/** How Claude's redacted thinking rides in a Responses reasoning item's `encrypted_content` (CLIProxyAPI's spelling). */
export const REDACTED_PREFIX = "claude-redacted-thinking:";

/** Signature Gemini accepts on parts whose real signature is unknown. */
export const GEMINI_SKIP_SIGNATURE = "skip_thought_signature_validator";

/** Classifies a signature by explicit prefix or shape (translation.md §5.4), returning the bare value. */
export function classifySignature(sig: string): { origin: SignatureOrigin; value: string } {
  const m = /^(claude|gemini|gpt)#(.*)$/s.exec(sig);
  if (m) return { origin: m[1] as SignatureOrigin, value: m[2] };
  if (sig.startsWith("gAAAA")) return { origin: "gpt", value: sig };
  if (sig.startsWith("E") || sig.startsWith("R")) return { origin: "claude", value: sig };
  return { origin: "gemini", value: sig };
}

/** The signature if it belongs to `origin`, else undefined (foreign signatures are never forwarded). */
export function signatureFor(origin: SignatureOrigin, sig: string | undefined): string | undefined {
  if (sig === undefined || sig === "") return undefined;
  const c = classifySignature(sig);
  if (c.origin === origin) return c.value;
  // Gemini accepts its bypass sentinels from any history.
  if (origin === "gemini" && (c.value === GEMINI_SKIP_SIGNATURE || c.value === "context_engineering_is_the_way_to_go"))
    return c.value;
  return undefined;
}
