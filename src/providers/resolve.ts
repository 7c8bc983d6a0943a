/**
 * Resolve once, pass the value down. A requested model name becomes one `Resolved` value here, and every
 * later step reads it instead of looking the name up again.
 *
 * Before (each arrow a separate resolution of the same name):
 * - local: pipeline/routes.ts → serve.ts `runtime.resolve()` → runtime.conduct() `resolve()` again →
 *   attempt.ts re-parsed the thinking suffix with its own regex (and usage records a third time);
 * - Amp: amp/provider-routes.ts → fallback.ts → decide.ts `providersFor(base)` (a resolve) and
 *   mappings.ts `providersFor(target)` (another) → serveLocal() resolved the chosen name again, then conduct.
 * Four suffix parsers disagreed on `a(b(c))`, `(high)` and whitespace (translate/model-suffix.ts settles them).
 *
 * Now:
 * - local: routes.ts → serveLocal() calls resolveModel() once (through `runtime.resolve`) → conduct() and
 *   attempt() take the `Resolved` (candidates with their upstream names, the parsed suffix);
 * - Amp: route() (amp/decide.ts) resolves the requested name (and a mapping's target) once through
 *   `ModelLookup.resolve` and returns the `Resolved` of the name it routes to beside the Decision (which is logged
 *   and kept, so it holds no credential); fallback.ts hands it to serveLocal();
 *   an ampcode.com decision carries a `Resolved` with route "amp-upstream" and no candidates.
 * Attempts return typed outcomes (providers/outcome.ts); the client's answer is written in pipeline/reply.ts.
 */
import { parseModelName, withSuffix, type ModelName } from "../translate/model-suffix.js";
import { matchesWildcard } from "./credentials.js";
import { alternativeSpellings } from "./model-names.js";
import type { Registry } from "./registry.js";
import type { Credential, ProviderId } from "./types.js";

/** A requested model resolved once: what the client asked for, and who serves it under which upstream names. */
export interface Resolved {
  /** The name as the client sent it (after the Amp mapping, the mapped name). */
  readonly requested: string;
  /** The requested name parsed once: base, thinking suffix and the reasoning it asks for. */
  readonly name: ModelName;
  /** Served locally by `candidates`, or forwarded to ampcode.com (Amp routes only; no candidates). */
  readonly route: "local" | "amp-upstream";
  /** The served id routed on: the requested name minus its thinking suffix (or the whole name when only that is served). */
  readonly model: string;
  /** The base name without suffix (equal to `model` unless the full suffixed name is itself served). */
  readonly base: string;
  /** The thinking suffix value routed with, `high` for `name(high)`; undefined when the full name is the served id. */
  readonly suffix?: string;
  /** Providers serving it: most credentials first, ties by name (amp.md PR-13). */
  readonly providers: readonly ProviderId[];
  /** Credentials serving it, in config order (blocked ones included; conduct() skips those). */
  readonly candidates: readonly Credential[];
  /** Set when no credential lists the model and it goes to the credentials of its family unlisted. */
  readonly passedThrough?: boolean;
  /** How the requested name was respelled to find it (`provider prefix stripped`), when it was. */
  readonly spelling?: string;
}

/** The upstream model names to try, in order, for one candidate (an alias's pool, or the served id itself). */
export function upstreamModels(resolved: Pick<Resolved, "model">, cred: Credential): readonly string[] {
  return cred.models.get(resolved.model) ?? [resolved.model];
}

/** The thinking suffix to carry to the upstream model name, as written (`(high)`), or "". */
export function suffixText(resolved: Pick<Resolved, "name">): string {
  return resolved.name.suffix === undefined ? "" : `(${resolved.name.suffix})`;
}

/** Model families and the credential kinds that serve them (never openai-compatibility, whose lists are explicit). */
const FAMILIES: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^claude-/i, ["claude"]],
  [/^(gpt-|codex-|o\d)/i, ["codex"]],
  [/^gemini-/i, ["gemini", "gemini-cli", "vertex", "antigravity"]],
];

type Found = Pick<Resolved, "model" | "base" | "suffix" | "providers" | "candidates" | "passedThrough">;

/**
 * The lookup order (providers.md §1.3): the base name first; when nothing serves it, the full string with its
 * suffix; then the base name ignoring case, as CLIProxyAPI's alias lookups do.
 */
function lookup(registry: Registry, base: string, suffix: string | undefined): Found | undefined {
  const at = (model: string, sfx: string | undefined): Found | undefined => {
    const candidates = registry.credentialsFor(model);
    return candidates.length
      ? { model, base, suffix: sfx, providers: registry.providersFor(model), candidates }
      : undefined;
  };
  // Each later spelling is built only when the earlier ones found nothing: the first hits on nearly every request.
  return (
    at(base, suffix) ??
    (suffix === undefined ? undefined : at(withSuffix(base, suffix), undefined)) ??
    at(registry.canonical(base) ?? base, suffix)
  );
}

/**
 * A model no credential lists but of a family one serves (`claude-opus-4-8` on a Claude credential
 * listing other claude-* models): passed to that upstream to decide, never a 404 of cliproxy's own.
 */
function byFamily(registry: Registry, base: string, suffix: string | undefined): Found | undefined {
  const family = FAMILIES.find(([re]) => re.test(base));
  if (!family) return undefined;
  const [re, kinds] = family;
  const candidates = registry.credentials.filter(
    (c) =>
      kinds.includes(c.kind) &&
      c.prefix === "" &&
      c.catalogExclusions !== undefined &&
      !c.catalogExclusions.some((p) => matchesWildcard(p, base)) &&
      [...c.models.keys()].some((id) => re.test(id)),
  );
  if (candidates.length === 0) return undefined;
  const providers = [...new Set(candidates.map((c) => c.provider))];
  return { model: base, base, suffix, providers, candidates, passedThrough: true };
}

/** Resolves a requested model (prefix forms, suffix, case, router spellings, family) once; undefined when nothing serves it. */
export function resolveModel(registry: Registry, requested: string): Resolved | undefined {
  const name = parseModelName(requested);
  const local = (found: Found, spelling?: string): Resolved => ({
    requested,
    name,
    route: "local",
    ...found,
    ...(spelling === undefined ? {} : { spelling }),
  });
  const found = lookup(registry, name.base, name.suffix);
  if (found) return local(found);
  // Router spellings (model-names.ts), only once the name as sent is not served.
  for (const alt of alternativeSpellings(name.base)) {
    const hit = lookup(registry, alt.name, name.suffix);
    if (hit) return local(hit, alt.how);
  }
  // Only when no spelling of the name is served: the family's credentials decide.
  const family = byFamily(registry, name.base, name.suffix);
  return family ? local(family) : undefined;
}

/** The Resolved of a name ampcode.com answers (Amp's AMP_CREDITS route): nothing local serves it. */
export function ampUpstream(requested: string): Resolved {
  const name = parseModelName(requested);
  return {
    requested,
    name,
    route: "amp-upstream",
    model: requested,
    base: name.base,
    suffix: name.suffix,
    providers: [],
    candidates: [],
  };
}
