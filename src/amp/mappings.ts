/**
 * Amp model mappings (amp.md CFG-7; PR-7: suffix split, by translate/model-suffix.ts like everywhere else; PR-8:
 * exact then regex rules): which local model answers a model the Amp CLI asks for, and the thinking suffix
 * `name(level)` carried across. The compiled form is cached per
 * config snapshot (keyed on the immutable `config.ampcode` object), so a reload that changes the list in any way, order
 * included (amp.md N13: rule order decides which regex wins), rebuilds it, and in-flight requests keep theirs.
 */
import type { AmpConfig } from "../config/schema.js";
import type { Logger } from "../log/log.js";
import { parseModelName } from "../translate/model-suffix.js";

/** The compiled mappings of one config snapshot. */
export interface Mapper {
  /** Lower-cased trimmed `from` → `to` (the later entry wins on duplicates). */
  readonly exact: ReadonlyMap<string, string>;
  readonly regex: ReadonlyArray<{ readonly pattern: RegExp; readonly source: string; readonly to: string }>;
  /** Why entries were skipped (empty side or bad regex, amp.md CFG-7), already logged once when compiled. */
  readonly warnings: readonly string[];
}

const compiled = new WeakMap<AmpConfig, Mapper>();

/** Builds a Mapper from the `ampcode` block, skipping blank and uncompilable entries with a warning. */
export function compileMappings(amp: AmpConfig): Mapper {
  const exact = new Map<string, string>();
  const regex: Array<{ pattern: RegExp; source: string; to: string }> = [];
  const warnings: string[] = [];
  amp.modelMappings.forEach((m, i) => {
    const from = (m.from ?? "").trim();
    const to = (m.to ?? "").trim();
    if (from === "" || to === "") {
      warnings.push(`amp model mapping ampcode.model-mappings[${i}] skipped: "from" and "to" must both be non-empty`);
      return;
    }
    if (!m.regex) {
      exact.set(from.toLowerCase(), to);
      return;
    }
    try {
      // JavaScript RegExp with the i flag: RE2-only syntax such as (?i) or (?P<n>…) fails here and is skipped.
      regex.push({ pattern: new RegExp(from, "i"), source: from, to });
    } catch (err) {
      warnings.push(
        `amp model mapping ampcode.model-mappings[${i}] skipped: regex "${from}" does not compile: ${(err as Error).message}`,
      );
    }
  });
  return { exact, regex, warnings };
}

/** The Mapper for a config snapshot, compiled once per `ampcode` object; warnings logged on compile. */
export function mapperFor(amp: AmpConfig, log?: Logger): Mapper {
  let m = compiled.get(amp);
  if (m === undefined) {
    m = compileMappings(amp);
    compiled.set(amp, m);
    for (const w of m.warnings) log?.warn(w);
  }
  return m;
}

/** The mapping rule that matches a requested model, before checking its target is served. */
export interface MappingHit {
  /** The target as configured, maybe with its own suffix. */
  readonly to: string;
  /** How the rule is named in logs: `from` as configured, `/pattern/` for regex rules. */
  readonly rule: string;
  readonly regex: boolean;
}

/** Finds the rule for `requested`: exact (case-insensitive) first, then regex rules in config order (amp.md PR-8). */
export function findMapping(mapper: Mapper, requested: string): MappingHit | undefined {
  const base = parseModelName(requested).base;
  if (base === "") return undefined;
  const to = mapper.exact.get(base.toLowerCase());
  if (to !== undefined) return { to, rule: base, regex: false };
  for (const r of mapper.regex) if (r.pattern.test(base)) return { to: r.to, rule: `/${r.source}/`, regex: true };
  return undefined;
}

/**
 * The model name to pass on for a mapping target (amp.md PR-8 step 4): the target's own suffix wins, else the client's
 * non-empty suffix is carried over; an empty `()` is never appended (amp.md N10).
 */
export function applySuffix(target: string, requested: string): string {
  if (parseModelName(target).suffix !== undefined) return target;
  const suffix = parseModelName(requested).suffix;
  return suffix === undefined || suffix === "" ? target : `${target}(${suffix})`;
}

/** Result of MapModel: the mapped name when the rule's target is served locally. */
export interface MappingResult<R> {
  readonly hit: MappingHit | undefined;
  /** Set only when the target has a local provider. */
  readonly mapped: string | undefined;
  /** Local providers of the target. */
  readonly providers: readonly string[];
  /** The target's resolution (the mapped name, suffix carried), when it has a local provider: passed down, never redone. */
  readonly resolved?: R;
}

/** MapModel (amp.md PR-8): the rule for `requested`, and the mapped name when its target has a local provider. */
export function mapModel<R extends { readonly providers: readonly string[] }>(
  mapper: Mapper,
  requested: string,
  resolve: (model: string) => R | undefined,
): MappingResult<R> {
  const hit = findMapping(mapper, requested);
  if (hit === undefined) return { hit, mapped: undefined, providers: [] };
  const mapped = applySuffix(hit.to, requested);
  const resolved = resolve(mapped);
  const providers = resolved?.providers ?? [];
  if (providers.length === 0) return { hit, mapped: undefined, providers };
  return { hit, mapped, providers, resolved };
}
