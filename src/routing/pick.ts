/**
 * Credential selection (providers.md §4.1–4.2): only the highest-priority group of available candidates,
 * then round-robin (a cursor per provider:model) or fill-first (always the first until it is blocked).
 */

/** Selection strategy (config `routing.strategy`). */
export type Strategy = "round-robin" | "fill-first";

/** Maps config spellings to a strategy: `fill-first`, `fillfirst`, `ff`; anything else is round-robin. */
export function normaliseStrategy(value: string): Strategy {
  const v = value.trim().toLowerCase();
  return v === "fill-first" || v === "fillfirst" || v === "ff" ? "fill-first" : "round-robin";
}

/** The candidates sharing the highest priority, in their given (config) order. */
export function topPriorityGroup<T extends { readonly priority: number }>(available: readonly T[]): T[] {
  if (available.length === 0) return [];
  let top = available[0].priority;
  for (const c of available) if (c.priority > top) top = c.priority;
  return available.filter((c) => c.priority === top);
}

/** Round-robin cursors, one per provider:model key; kept across requests and reloads. */
export class Picker {
  readonly #cursors = new Map<string, number>();

  /** Picks one of the available candidates (already filtered: not blocked, not tried in this pass). */
  pick<T extends { readonly priority: number }>(
    strategy: Strategy,
    key: string,
    available: readonly T[],
  ): T | undefined {
    const group = topPriorityGroup(available);
    if (group.length === 0) return undefined;
    if (strategy === "fill-first") return group[0];
    const cursor = this.#cursors.get(key) ?? 0;
    // Wraps well before 2^53 so the modulo stays exact on a long-running process.
    this.#cursors.set(key, (cursor + 1) % 1_000_000_007);
    return group[cursor % group.length];
  }

  /** Forgets every cursor (routing strategy changed). */
  reset(): void {
    this.#cursors.clear();
  }
}
