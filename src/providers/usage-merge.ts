/**
 * Usage statistics of several worker processes (`workers: N`) as one view: each worker counts the
 * requests it served, and management's usage endpoints show the sum, as a single process would.
 */
import { emptyUsage, type CredentialUsage, type ParsedUsage, type UsageSnapshot, type UsageTotals } from "./usage.js";

function addTotals(into: UsageTotals, t: UsageTotals): void {
  into.requests += t.requests;
  into.failures += t.failures;
  for (const k of Object.keys(into.tokens) as Array<keyof ParsedUsage>) into.tokens[k] += t.tokens[k] ?? 0;
}

function copyTotals(t: UsageTotals): UsageTotals {
  return { requests: t.requests, failures: t.failures, tokens: { ...emptyUsage(), ...t.tokens } };
}

/** Sums snapshots: totals, per credential, per model and per recent bucket; the first snapshot's order of fields wins. */
export function mergeSnapshots(snaps: readonly UsageSnapshot[]): UsageSnapshot {
  const totals: UsageTotals = { requests: 0, failures: 0, tokens: emptyUsage() };
  const byId = new Map<string, CredentialUsage>();
  for (const snap of snaps) {
    addTotals(totals, snap.totals);
    for (const c of snap.credentials) {
      const have = byId.get(c.id);
      if (!have) {
        byId.set(c.id, {
          ...c,
          ...copyTotals(c),
          models: Object.fromEntries(Object.entries(c.models).map(([m, t]) => [m, copyTotals(t)])),
          recent: c.recent.map((b) => ({ ...b })),
        });
        continue;
      }
      addTotals(have, c);
      for (const [m, t] of Object.entries(c.models)) {
        const own = have.models[m];
        if (own) addTotals(own, t);
        else have.models[m] = copyTotals(t);
      }
      for (const b of c.recent) {
        const own = have.recent.find((x) => x.start === b.start);
        if (own) {
          own.success += b.success;
          own.failed += b.failed;
        }
      }
    }
  }
  const credentials = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { enabled: snaps.some((s) => s.enabled), totals, credentials };
}
