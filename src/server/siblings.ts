/**
 * The other worker processes of a cluster (`workers: N`, app/cluster.ts). Views that must cover the
 * whole port, not one process — usage statistics, /metrics — ask them for their part through the
 * primary. Absent while one process serves alone, which is the default.
 */

/** This worker's link to the others. */
export interface Siblings {
  /** This worker's number, 1 to `workers`. */
  readonly slot: number;
  /** Every other live worker's answer to `topic` (none that died or stayed silent past the primary's wait). */
  ask(topic: string, arg?: unknown): Promise<unknown[]>;
  /** Up to `count` items of a queue `topic`, taken from the other workers in turn until there are enough. */
  drain(topic: string, count: number): Promise<unknown[]>;
  /** Answers `topic` for the other workers; the answer travels as JSON. */
  answer(topic: string, fn: (arg: unknown) => unknown): void;
}

/** The App slot this module owns: set by app/worker.ts when this process is one of several workers. */
declare module "./handler.js" {
  interface App {
    siblings?: Siblings;
  }
}
