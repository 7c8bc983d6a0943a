/**
 * The last Amp routing decisions (local provider, mapping, Amp credits, none), for the status page. The Amp runtime
 * holds one (app.amp.recent); the provider routes note each decision they log.
 */
import type { Decision } from "./decision.js";

/** Decisions kept. */
export const RECENT_DECISIONS = 50;

/** One decision and when and where it was made. */
export interface RecentDecision {
  /** Epoch ms. */
  readonly at: number;
  readonly path: string;
  readonly decision: Decision;
}

/** A bounded list of the last decisions. */
export class RecentDecisions {
  private readonly list: RecentDecision[] = [];

  constructor(readonly capacity = RECENT_DECISIONS) {}

  /** Remembers a decision (the oldest is dropped past the capacity). */
  note(decision: Decision, path: string, at: number): void {
    this.list.push({ at, path, decision });
    if (this.list.length > this.capacity) this.list.shift();
  }

  /** The remembered decisions, newest first. */
  newestFirst(): RecentDecision[] {
    return [...this.list].reverse();
  }
}
