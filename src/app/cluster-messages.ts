/**
 * The IPC messages between the primary (app/cluster.ts, app/cluster-hub.ts) and its workers
 * (app/worker.ts). Each carries `cx`, so nothing else on the channel is mistaken for one.
 */
import type { CooldownState } from "../routing/cooldown.js";

/** What a worker sends the primary. */
export type WorkerMessage =
  /** Serving: start() returned. */
  | { cx: "ready"; url: string }
  /** Asks for the refresh lock of a token file; answered by `granted` with the same id. */
  | { cx: "lock"; id: number; file: string }
  | { cx: "unlock"; file: string }
  /** A cooldown block set (state) or cleared (no state) here, for every other worker. */
  | { cx: "cooldown"; key: string; model: string; state?: CooldownState }
  /** Asks the other workers; answered by `answers` with the same id. `drain`: a queue taken in turn, `arg` the count. */
  | { cx: "ask"; id: number; topic: string; arg?: unknown; drain?: boolean }
  /** This worker's answer to a `query`. */
  | { cx: "answer"; id: number; value: unknown };

/** What the primary sends a worker. */
export type PrimaryMessage =
  | { cx: "granted"; id: number }
  | { cx: "cooldown"; key: string; model: string; state?: CooldownState }
  /** Every active block, sent to a worker when it is ready (a replacement starts with what the others know). */
  | { cx: "cooldowns"; list: Array<{ key: string; model: string; state: CooldownState }> }
  | { cx: "query"; id: number; topic: string; arg?: unknown }
  | { cx: "answers"; id: number; values: unknown[] }
  /** Finish in-flight requests and exit (the primary got SIGTERM or SIGINT). */
  | { cx: "drain" };

/** True for a message of this protocol. */
export function isClusterMessage(m: unknown): m is { cx: string } {
  return typeof m === "object" && m !== null && typeof (m as { cx?: unknown }).cx === "string";
}
