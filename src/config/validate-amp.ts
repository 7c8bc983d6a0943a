/**
 * The `ampcode` block (amp.md §1, CFG-1..CFG-11), with the legacy flat `amp-*` keys from before the block existed
 * (CFG-10) and the old name `prioritize-model-mappings` of `force-model-mappings` (CFG-6) read as fallbacks, each with
 * a deprecation warning.
 */
import { DEFAULT_AMP, type AmpConfig, type AmpModelMapping } from "./schema.js";
import { type KeyPath, type Reader } from "./reader.js";
import { isObject } from "../plain-object.js";

const LEGACY_KEYS = [
  "amp-upstream-url",
  "amp-upstream-api-key",
  "amp-restrict-management-to-localhost",
  "amp-model-mappings",
];

/** Reads `ampcode` (and its legacy spellings) into an AmpConfig. */
export function readAmp(r: Reader): AmpConfig {
  const at = (k: string): KeyPath => ["ampcode", k];
  r.keys(["ampcode"]);
  const legacy = LEGACY_KEYS.filter((k) => r.has([k]));
  if (legacy.length)
    r.warn(
      [legacy[0]],
      `deprecated: move ${legacy.join(", ")} into the ampcode block (upstream-url, upstream-api-key, restrict-management-to-localhost, model-mappings)`,
    );

  // Absent upstream-url means ampcode.com (CLIProxyAPI defaulted to none); an explicit "" disables; a legacy
  // value fills an empty one (amp.md CFG-1, N18).
  let upstreamUrl = r.has(at("upstream-url"))
    ? r.str(at("upstream-url"))
    : r.raw(at("upstream-url")) === null
      ? ""
      : DEFAULT_AMP.upstreamUrl;
  const legacyUrl = r.str(["amp-upstream-url"]);
  if (legacyUrl && (!r.has(at("upstream-url")) || upstreamUrl === "")) upstreamUrl = legacyUrl;
  if (upstreamUrl && !/^https?:\/\/[^/?#\s]+/i.test(upstreamUrl)) {
    // An invalid upstream-url disables Amp at start but keeps the previous upstream on reload (amp.md CFG-9),
    // so the value is kept for the Amp runtime to judge.
    r.warn(
      r.has(at("upstream-url")) ? at("upstream-url") : ["amp-upstream-url"],
      "expected an http:// or https:// URL with a host: the Amp upstream stays disabled",
    );
  }

  const upstreamApiKey = r.str(at("upstream-api-key")) || r.str(["amp-upstream-api-key"]);
  const restrictManagementToLocalhost = r.has(at("restrict-management-to-localhost"))
    ? r.bool(at("restrict-management-to-localhost"))
    : r.bool(["amp-restrict-management-to-localhost"]);

  let forceModelMappings = r.bool(at("force-model-mappings"));
  if (r.has(at("prioritize-model-mappings"))) {
    const old = r.bool(at("prioritize-model-mappings"));
    if (!r.has(at("force-model-mappings"))) forceModelMappings = old;
    r.warn(at("prioritize-model-mappings"), "deprecated: renamed force-model-mappings");
  }

  let modelMappings = readMappings(r, at("model-mappings"));
  const legacyMappings = readMappings(r, ["amp-model-mappings"]);
  if (modelMappings.length === 0) modelMappings = legacyMappings;

  const fallback = r.str(at("model-fallback"), "upstream");
  if (fallback !== "upstream" && fallback !== "deny")
    r.problem(at("model-fallback"), `expected "upstream" or "deny", got ${JSON.stringify(fallback)}`);

  return {
    upstreamUrl,
    upstreamApiKey,
    upstreamApiKeys: readUpstreamKeys(r, at("upstream-api-keys")),
    restrictManagementToLocalhost,
    forceModelMappings,
    modelMappings,
    modelFallback: fallback === "deny" ? "deny" : "upstream",
    upstreamTimeoutMs: r.duration(at("upstream-timeout"), DEFAULT_AMP.upstreamTimeoutMs),
    rivetToken: rivetValue(r, at("rivet-token"), DEFAULT_AMP.rivetToken),
    rivetNamespace: rivetValue(r, at("rivet-namespace"), DEFAULT_AMP.rivetNamespace),
    tunnelIdleTimeoutMs: r.duration(at("tunnel-idle-timeout"), DEFAULT_AMP.tunnelIdleTimeoutMs),
    tunnelHandshakeTimeoutMs: positive(r, at("tunnel-handshake-timeout"), DEFAULT_AMP.tunnelHandshakeTimeoutMs),
  };
}

/** A Rivet query value: absent = the default, "" = add none, else URL-safe characters only (it goes into a query string as is). */
function rivetValue(r: Reader, path: KeyPath, fallback: string): string {
  if (r.raw(path) === undefined) return fallback;
  const v = r.str(path);
  if (v !== "" && !/^[A-Za-z0-9._~-]{1,256}$/.test(v))
    r.problem(path, "expected letters, digits, '.', '_', '~' or '-' (at most 256)");
  return v;
}

/** A duration that must be above zero (a zero handshake timeout would refuse every upgrade). */
function positive(r: Reader, path: KeyPath, fallback: number): number {
  const ms = r.duration(path, fallback);
  if (ms > 0) return ms;
  r.problem(path, "expected a duration above zero");
  return fallback;
}

/** Client-key → upstream-key map: entries without an upstream key are ignored, blank client keys too (amp.md CFG-3). */
function readUpstreamKeys(r: Reader, path: KeyPath): AmpConfig["upstreamApiKeys"] {
  const out: Array<{ upstreamApiKey: string; apiKeys: string[] }> = [];
  const n = r.list(path);
  for (let i = 0; i < n; i++) {
    const p = [...path, i];
    if (!isObject(r.raw(p))) {
      r.problem(p, "expected a mapping with upstream-api-key and api-keys");
      continue;
    }
    const upstreamApiKey = r.str([...p, "upstream-api-key"]);
    const apiKeys = r.strings([...p, "api-keys"]);
    if (upstreamApiKey) out.push({ upstreamApiKey, apiKeys });
    else r.warn(p, "entry without upstream-api-key dropped");
  }
  return out;
}

/** Model mappings: empty sides and regexes JavaScript cannot compile are skipped with a warning (amp.md CFG-7). */
function readMappings(r: Reader, path: KeyPath): AmpModelMapping[] {
  const out: AmpModelMapping[] = [];
  const n = r.list(path);
  for (let i = 0; i < n; i++) {
    const p = [...path, i];
    if (!isObject(r.raw(p))) {
      r.problem(p, "expected a mapping with from and to");
      continue;
    }
    const m = { from: r.str([...p, "from"]), to: r.str([...p, "to"]), regex: r.bool([...p, "regex"]) };
    if (!m.from || !m.to) {
      r.warn(p, "mapping with an empty from or to skipped");
      continue;
    }
    if (m.regex) {
      try {
        new RegExp(m.from, "i");
      } catch (err) {
        r.warn([...p, "from"], `invalid regular expression skipped: ${(err as Error).message}`);
        continue;
      }
    }
    out.push(m);
  }
  return out;
}
