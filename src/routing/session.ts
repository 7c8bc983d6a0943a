/**
 * Session affinity (providers.md §4.3): with `routing.session-affinity: true` a conversation stays on the credential
 * that first served it, for `session-affinity-ttl` after its last use. A bound credential that is blocked is skipped;
 * the strategy picks another and the session rebinds to it.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Most bindings kept; the least recently used goes first beyond this. */
export const MAX_BINDINGS = 10_000;

/**
 * Headers clients use to name their session and the id's prefix, first found wins (Amp's `X-Amp-Thread-Id` becomes
 * `amp:<thread>`, amp.md PR-21).
 */
const SESSION_HEADERS: ReadonlyArray<[header: string, prefix: string]> = [
  ["x-session-id", "header"],
  ["session_id", "header"],
  ["session-id", "header"],
  ["x-amp-thread-id", "amp"],
  ["x-claude-code-session-id", "header"],
  ["conversation_id", "header"],
  ["x-conversation-id", "header"],
];

function firstMessage(json: Record<string, unknown>): unknown {
  for (const key of ["messages", "contents", "input"]) {
    const list = json[key];
    if (Array.isArray(list) && list.length > 0) return list[0];
    if (key === "input" && typeof list === "string" && list) return list;
  }
  return undefined;
}

/**
 * A session id for a request: Claude `metadata.user_id` `…session_<uuid>`, a session header (Amp's
 * `X-Amp-Thread-Id` → `amp:<id>`), else a hash of the system prompt and first message (stable across a
 * conversation's turns); undefined when none.
 */
export function sessionIdOf(headers: IncomingHttpHeaders, json: Record<string, unknown>): string | undefined {
  const meta = json.metadata as { user_id?: unknown } | undefined;
  if (meta && typeof meta.user_id === "string") {
    const m = /session_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(meta.user_id);
    if (m) return `claude:${m[1].toLowerCase()}`;
  }
  for (const [name, prefix] of SESSION_HEADERS) {
    const v = headers[name];
    const value = Array.isArray(v) ? v[0] : v;
    if (value && value.trim()) return `${prefix}:${value.trim()}`;
  }
  const first = firstMessage(json);
  if (first === undefined) return undefined;
  const system = json.system ?? json.systemInstruction ?? json.instructions ?? "";
  return `hash:${createHash("sha256")
    .update(JSON.stringify([system, first]))
    .digest("hex")
    .slice(0, 32)}`;
}

/** Session → credential bindings with a sliding TTL. */
export class AffinityTable {
  readonly #bindings = new Map<string, { key: string; expires: number }>();

  /** The credential state key bound to a session for a model, if the binding is still alive. */
  get(session: string, model: string, now: number): string | undefined {
    const id = `${model}\0${session}`;
    const b = this.#bindings.get(id);
    if (!b) return undefined;
    if (b.expires <= now) {
      this.#bindings.delete(id);
      return undefined;
    }
    return b.key;
  }

  /** Binds (or refreshes) a session to the credential that just served it. */
  bind(session: string, model: string, key: string, now: number, ttlMs: number): void {
    const id = `${model}\0${session}`;
    this.#bindings.delete(id); // re-insert so Map order is least recently used first
    this.#bindings.set(id, { key, expires: now + ttlMs });
    if (this.#bindings.size > MAX_BINDINGS) {
      const oldest = this.#bindings.keys().next();
      if (!oldest.done) this.#bindings.delete(oldest.value);
    }
  }

  /** Drops every binding (routing settings changed). */
  clear(): void {
    this.#bindings.clear();
  }

  /** Number of bindings held (for tests and the status page). */
  get size(): number {
    return this.#bindings.size;
  }
}
