/**
 * The routing decision for one Amp model request (amp.md PR-9): local provider, model mapping, ampcode.com credits
 * (PR-12) or, with `model-fallback: deny`, a refusal (N21); and its one log line per decision (PR-16, N22). Pure: the
 * same function answers real requests and the management `explain` dry run.
 */
import type { Config } from "../config/schema.js";
import type { Fields, Logger } from "../log/log.js";
import type { App } from "../server/handler.js";
import { parseModelName } from "../translate/model-suffix.js";
import { ampUpstream, type Resolved } from "../providers/resolve.js";
import { mapModel, mapperFor } from "./mappings.js";
import type { Decision, RouteType } from "./decision.js";

export type { Decision, RouteType };

/** What the provider layer can tell the router about local models. */
export interface ModelLookup {
  /**
   * The model resolved once (providers/resolve.ts); its `providers` first = preferred (most credentials first,
   * amp.md PR-13); undefined when nothing local serves it.
   */
  resolve(model: string): Resolved | undefined;
  /** The served model closest to `model` (did-you-mean), when any. */
  closest(model: string): string | undefined;
  /**
   * Whether a usable Amp upstream exists for this config (an invalid upstream-url disables it, amp.md CFG-9); default:
   * upstream-url is not "".
   */
  hasUpstream?(config: Config): boolean;
}

/** The provider runtime seen as a ModelLookup. */
export function lookupOf(app: App): ModelLookup {
  return {
    resolve: (m) => app.providers.resolve(m),
    closest: (m) => app.providers.closest(m, 1)[0],
    hasUpstream: (config) => app.amp.upstream(config) !== undefined,
  };
}

/** Id of the Claude provider: local Claude answers keep their thinking blocks (amp.md PR-13). */
export const CLAUDE_PROVIDER = "claude";

function fix(requested: string, closest: string | undefined): string {
  return `add ampcode.model-mappings: [{from: "${requested}", to: "${closest ?? "<local model>"}"}]`;
}

/**
 * A decision and the resolution of the model it routes to (local candidates, or route "amp-upstream" for
 * ampcode.com), which the local pipeline takes instead of resolving again. Kept apart from the Decision because it
 * holds credentials: the decision is logged, kept for the status page and shown by explain; the resolution never is.
 */
export interface Routed {
  readonly decision: Decision;
  readonly resolved?: Resolved;
}

/**
 * Decides where a request for `requested` goes under `config` (amp.md PR-9: local provider, else mapping, else credits;
 * forced mappings first; PR-12 fallback rules).
 */
export function decide(requested: string, config: Config, lookup: ModelLookup, log?: Logger): Decision {
  return route(requested, config, lookup, log).decision;
}

/** decide(), with the resolution of the model routed to: the requested name (and a mapping's target) resolved once. */
export function route(requested: string, config: Config, lookup: ModelLookup, log?: Logger): Routed {
  const amp = config.ampcode;
  const requestedBase = parseModelName(requested).base;
  const resolved = lookup.resolve(requested);
  const local = resolved?.providers ?? [];
  const mapping = mapModel(mapperFor(amp, log), requested, (m) => lookup.resolve(m));
  const forced = amp.forceModelMappings;
  const base = { requestedModel: requested, resolvedModel: requested };

  if (mapping.mapped !== undefined && (forced || local.length === 0)) {
    const why =
      forced && local.length > 0
        ? `force-model-mappings is true, so it wins over local provider "${local[0]}"`
        : `no local provider serves "${requested}"`;
    const decision: Decision = {
      ...base,
      resolvedModel: mapping.mapped,
      routeType: "MODEL_MAPPING",
      provider: mapping.providers[0],
      reason: `mapping ${requested} -> ${mapping.mapped}${mapping.hit?.regex ? ` (rule ${mapping.hit.rule})` : ""}; ${why}`,
      suppressThinking: true,
    };
    return { decision, resolved: mapping.resolved };
  }
  if (local.length > 0) {
    let reason = `local provider "${local[0]}" serves "${requestedBase}"`;
    if (mapping.mapped !== undefined)
      reason += `; mapping ${requested} -> ${mapping.mapped} not used because force-model-mappings is false`;
    const decision: Decision = {
      ...base,
      routeType: "LOCAL_PROVIDER",
      provider: local[0],
      reason,
      suppressThinking: local[0] !== CLAUDE_PROVIDER,
    };
    return { decision, resolved };
  }

  const closest = lookup.closest(requestedBase);
  let why = `no local provider serves "${requestedBase}"`;
  if (mapping.hit !== undefined) why += ` and mapping target "${mapping.hit.to}" has no local provider either`;
  else why += " and no ampcode.model-mappings rule matches";
  const unserved = { ...base, suppressThinking: false, closest };
  if (amp.modelFallback === "deny") {
    const decision: Decision = {
      ...unserved,
      routeType: "FALLBACK_DENIED",
      provider: "none",
      reason: `${why}; ampcode.model-fallback is deny; ${fix(requested, closest)}`,
    };
    return { decision };
  }
  if (!(lookup.hasUpstream?.(config) ?? amp.upstreamUrl !== "")) {
    const off =
      amp.upstreamUrl === ""
        ? "ampcode.upstream-url is empty"
        : `ampcode.upstream-url "${amp.upstreamUrl}" is not a usable http(s) URL`;
    const decision: Decision = {
      ...unserved,
      routeType: "NO_PROVIDER",
      provider: "none",
      reason: `${why}; ${off}; ${fix(requested, closest)}`,
    };
    return { decision };
  }
  const decision: Decision = {
    ...unserved,
    routeType: "AMP_CREDITS",
    provider: "ampcode.com",
    reason: `${why}; ${fix(requested, closest)}`,
  };
  return { decision, resolved: ampUpstream(requested) };
}

/** The client-facing 404 message when `model-fallback: deny` refuses to spend Amp credits (amp.md N21). */
export function deniedMessage(d: Decision): string {
  return `model "${d.requestedModel}" is not served by any local provider and ampcode.model-fallback is deny; ${fix(d.requestedModel, d.closest)}`;
}

/**
 * Writes the one log line of a decision (amp.md N22: exactly one, with the reason): info for local answers, warn when
 * credits are spent or nothing serves.
 */
export function logDecision(log: Logger, d: Decision, path: string): void {
  const fields: Fields = {
    component: "amp-routing",
    route_type: d.routeType,
    requested_model: d.requestedModel,
    resolved_model: d.resolvedModel,
    provider: d.provider,
    reason: d.reason,
    path,
  };
  const R = d.requestedModel;
  switch (d.routeType) {
    case "LOCAL_PROVIDER":
      return log.info(`amp using local provider for model: ${R}`, { ...fields, cost: "free", source: "local_oauth" });
    case "MODEL_MAPPING":
      return log.info(`amp model mapping: request ${parseModelName(R).base} -> ${d.resolvedModel}`, {
        ...fields,
        cost: "free",
        source: "local_oauth",
        mapping: `${R} -> ${d.resolvedModel}`,
      });
    case "AMP_CREDITS":
      return log.warn(
        `forwarding to ampcode.com (uses amp credits) - model_id: ${R} | To use local provider, add to config: ampcode.model-mappings: [{from: "${R}", to: "<your-local-model>"}]`,
        { ...fields, cost: "amp_credits", source: "ampcode.com", model_id: R },
      );
    case "NO_PROVIDER":
      return log.warn(`no provider available for model_id: ${R}`, {
        ...fields,
        cost: "none",
        source: "error",
        model_id: R,
      });
    case "FALLBACK_DENIED":
      return log.warn(`amp model fallback denied for model_id: ${R}`, {
        ...fields,
        cost: "none",
        source: "denied",
        model_id: R,
      });
  }
}

/** The explain endpoint's JSON for a decision (snake_case, as the log fields). */
export function explainDecision(d: Decision): Record<string, string> {
  return {
    requested_model: d.requestedModel,
    resolved_model: d.resolvedModel,
    route_type: d.routeType,
    provider: d.provider,
    reason: d.reason,
  };
}
