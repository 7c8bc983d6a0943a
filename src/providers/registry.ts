/**
 * The model registry (providers.md §3): served model id → credentials and providers serving it. Built
 * from the credential list on every reload; lookups are map reads on the hot path.
 */
import assert from "node:assert/strict";
import { parseModelName } from "../translate/model-suffix.js";
import { catalogModel } from "./catalog.js";
import type { Credential, ModelInfo, ProviderId } from "./types.js";

/** `created` for served ids the catalog does not know (aliases, openai-compatibility models): 2025-01-01. */
export const UNKNOWN_MODEL_CREATED = 1_735_689_600;

/** Served ids and who serves them. */
export interface Registry {
  /** Every credential, in config order. */
  readonly credentials: readonly Credential[];
  /** Credentials serving an exact id, in config order ([] if none). */
  credentialsFor(id: string): readonly Credential[];
  /** Providers serving an exact id: most credentials first, ties by name (the Amp provider order, amp.md PR-13). */
  providersFor(id: string): ProviderId[];
  /** Every served id, sorted. */
  ids(): string[];
  /** Listing info for a served id. */
  info(id: string): ModelInfo | undefined;
  /** The served id equal to `id` ignoring case (clients send "Claude-Sonnet-4-5"); the sorted-first on ties. */
  canonical(id: string): string | undefined;
}

/** Builds the registry for a credential list. */
export function buildRegistry(credentials: readonly Credential[]): Registry {
  const byId = new Map<string, Credential[]>();
  for (const cred of credentials) {
    for (const id of cred.models.keys()) {
      const list = byId.get(id);
      if (list) list.push(cred);
      else byId.set(id, [cred]);
    }
  }
  const providers = new Map<string, ProviderId[]>();
  const infos = new Map<string, ModelInfo>();
  for (const [id, creds] of byId) {
    const counts = new Map<ProviderId, number>();
    for (const c of creds) counts.set(c.provider, (counts.get(c.provider) ?? 0) + 1);
    const count = (p: ProviderId) => counts.get(p) ?? 0;
    const order = [...counts.keys()].sort((a, b) => count(b) - count(a) || (a < b ? -1 : a > b ? 1 : 0));
    providers.set(id, order);
    const names = creds[0].models.get(id);
    assert.ok(names, `registry: "${id}" listed without its credential's model entry`);
    const upstream = names[0];
    const source = creds[0].sources?.get(id);
    const known = catalogModel(upstream) ?? catalogModel(id);
    infos.set(
      id,
      Object.freeze({
        id,
        ownedBy: known?.ownedBy ?? creds[0].provider,
        // One credential offering it from the catalogue makes it a catalogue model.
        source: source === undefined || creds.some((c) => !c.sources?.has(id)) ? "catalogue" : source,
        created: known?.created ?? UNKNOWN_MODEL_CREATED,
        displayName: known?.displayName ?? id,
        providers: order,
      }),
    );
  }
  const sorted = [...byId.keys()].sort();
  const lower = new Map<string, string>();
  for (const id of sorted) if (!lower.has(id.toLowerCase())) lower.set(id.toLowerCase(), id);
  return {
    credentials,
    credentialsFor: (id) => byId.get(id) ?? [],
    providersFor: (id) => [...(providers.get(id) ?? [])],
    ids: () => [...sorted],
    info: (id) => infos.get(id),
    canonical: (id) => lower.get(id.toLowerCase()),
  };
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `n` served names close to `model` for a "did you mean" hint: near spellings and containment, closest first. */
export function closestNames(model: string, names: readonly string[], n = 5): string[] {
  const want = parseModelName(model).base.toLowerCase();
  if (!want) return [];
  const scored: Array<[number, string]> = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    const d = editDistance(want, lower);
    const contains = want.length >= 3 && (lower.includes(want) || want.includes(lower));
    if (d <= Math.max(2, Math.floor(want.length / 3)) || contains)
      scored.push([contains ? Math.min(d, Math.abs(lower.length - want.length)) : d, name]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return scored.slice(0, n).map(([, name]) => name);
}
