/**
 * The last Amp routing decisions (local provider, mapping, Amp credits, none), for the status page.
 * Kept per logger because logDecision() is handed the app's logger and nothing else.
 */
import type { Logger } from "../log/log.js";
import type { Decision } from "./decision.js";

/** Decisions kept per logger. */
export const RECENT_DECISIONS = 50;

/** One decision and when and where it was made. */
export interface RecentDecision {
  /** Epoch ms. */
  readonly at: number;
  readonly path: string;
  readonly decision: Decision;
}

const recent = new WeakMap<Logger, RecentDecision[]>();

/** Remembers a decision (the oldest is dropped past RECENT_DECISIONS). */
export function noteDecision(log: Logger, decision: Decision, path: string, at = Date.now()): void {
  let list = recent.get(log);
  if (!list) recent.set(log, (list = []));
  list.push({ at, path, decision });
  if (list.length > RECENT_DECISIONS) list.shift();
}

/** The remembered decisions, newest first. */
export function recentDecisions(log: Logger): RecentDecision[] {
  return [...(recent.get(log) ?? [])].reverse();
}
