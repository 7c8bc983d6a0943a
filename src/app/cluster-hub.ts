/**
 * What the primary keeps for its workers, so that several processes act as one cliproxy:
 * - the refresh lock per token file (the RefreshCoordinator of oauth/refresh-options.ts, as the
 *   PostgreSQL store's advisory lock is across replicas): one worker refreshes, the next in line reads
 *   the file it wrote and adopts the token instead of spending the single-use refresh token again;
 * - cooldown blocks (routing/cooldown.ts), passed from the worker that saw the 429 to all others;
 * - questions one worker asks all others (usage statistics, /metrics), answered through here.
 * It knows workers only as peers with a send function, so tests drive it without processes.
 */
import type { Logger } from "../log/log.js";
import type { CooldownState } from "../routing/cooldown.js";
import type { PrimaryMessage, WorkerMessage } from "./cluster-messages.js";

/** One worker as the hub sees it. */
export interface Peer {
  readonly slot: number;
  readonly pid: number;
  /** Serving (its `ready` arrived) and still connected. */
  readonly ready: boolean;
  send(message: PrimaryMessage): void;
}

/** How long the primary waits for a worker's answer before answering without it. */
export const ANSWER_WAIT_MS = 5_000;

interface Lock {
  holder: Peer;
  queue: Array<{ peer: Peer; id: number }>;
}

/** The primary's shared state and message routing. */
export class ClusterHub {
  readonly #locks = new Map<string, Lock>();
  readonly #cooldowns = new Map<string, { key: string; model: string; state: CooldownState }>();
  readonly #pending = new Map<number, { peer: Peer; done: (value: unknown) => void }>();
  #nextQuery = 1;

  constructor(
    private readonly peers: () => Iterable<Peer>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Handles one message from `from`. */
  receive(from: Peer, m: WorkerMessage): void {
    switch (m.cx) {
      case "ready":
        return this.#welcome(from);
      case "lock":
        return this.#lock(from, m.id, m.file);
      case "unlock":
        return this.#unlock(from, m.file);
      case "cooldown":
        return this.#cooldown(from, m.key, m.model, m.state);
      case "ask":
        return void this.#ask(from, m.id, m.topic, m.arg, m.drain === true);
      case "answer":
        return this.#answered(from, m.id, m.value);
    }
  }

  /** Forgets a worker that exited: its locks pass on, its unanswered questions count as silent. */
  gone(peer: Peer): void {
    for (const [file, lock] of this.#locks) {
      lock.queue = lock.queue.filter((w) => w.peer !== peer);
      if (lock.holder === peer) this.#passOn(file, lock);
    }
    for (const [id, p] of this.#pending) if (p.peer === peer) this.#answered(peer, id, undefined);
  }

  #welcome(peer: Peer): void {
    const now = this.now();
    const list = [...this.#cooldowns.values()].filter((c) => c.state.block.until > now);
    if (list.length > 0) peer.send({ cx: "cooldowns", list });
  }

  #lock(peer: Peer, id: number, file: string): void {
    const lock = this.#locks.get(file);
    if (!lock) {
      this.#locks.set(file, { holder: peer, queue: [] });
      return peer.send({ cx: "granted", id });
    }
    lock.queue.push({ peer, id });
    this.log.debug(`cluster: worker ${peer.slot} waits for the refresh of ${file} by worker ${lock.holder.slot}`);
  }

  #unlock(peer: Peer, file: string): void {
    const lock = this.#locks.get(file);
    if (lock?.holder === peer) this.#passOn(file, lock);
  }

  #passOn(file: string, lock: Lock): void {
    const next = lock.queue.shift();
    if (!next) return void this.#locks.delete(file);
    lock.holder = next.peer;
    next.peer.send({ cx: "granted", id: next.id });
  }

  #cooldown(from: Peer, key: string, model: string, state: CooldownState | undefined): void {
    const id = `${key}\u0000${model}`;
    if (state) this.#cooldowns.set(id, { key, model, state });
    else this.#cooldowns.delete(id);
    for (const peer of this.peers()) if (peer !== from && peer.ready) peer.send({ cx: "cooldown", key, model, state });
  }

  async #ask(from: Peer, id: number, topic: string, arg: unknown, drain: boolean): Promise<void> {
    const others = [...this.peers()].filter((p) => p !== from && p.ready);
    let values: unknown[];
    if (!drain) values = await Promise.all(others.map((p) => this.#query(p, topic, arg)));
    else {
      // A queue is popped: asking all at once could take more than `count` and lose the surplus.
      values = [];
      let left = Number(arg) || 0;
      for (const p of others) {
        if (left <= 0) break;
        const got = await this.#query(p, topic, left);
        if (!Array.isArray(got)) continue;
        values.push(...got);
        left -= got.length;
      }
    }
    if (from.ready) from.send({ cx: "answers", id, values: values.filter((v) => v !== undefined) });
  }

  #query(peer: Peer, topic: string, arg: unknown): Promise<unknown> {
    const id = this.#nextQuery++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#answered(peer, id, undefined), ANSWER_WAIT_MS);
      timer.unref();
      this.#pending.set(id, {
        peer,
        done: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      });
      peer.send({ cx: "query", id, topic, arg });
    });
  }

  #answered(peer: Peer, id: number, value: unknown): void {
    const p = this.#pending.get(id);
    if (!p || p.peer !== peer) return;
    this.#pending.delete(id);
    p.done(value);
  }
}
