/**
 * One worker of `workers: N` (app/cluster.ts is the primary). It runs the whole app as a single process
 * would, and through the primary (app/cluster-hub.ts) it:
 * - refreshes a token file only while holding the file's lock, reading the file first, so a token another
 *   worker just refreshed is adopted and the refresh happens once (oauth/refresh.ts RefreshCoordinator);
 * - passes its cooldown blocks to the other workers and applies theirs (routing/cooldown.ts observer/restore);
 * - answers the others' questions for usage statistics and /metrics, and asks theirs (server/siblings.ts);
 * - marks each response with `x-cliproxy-worker: <pid>`, so one can see which worker answered;
 * - drains on the primary's word, or when the primary is gone.
 */
import cluster from "node:cluster";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { metricsOf } from "../metrics/metrics.js";
import type { RefreshCoordinator } from "../oauth/refresh.js";
import type { App } from "../server/handler.js";
import type { Siblings } from "../server/siblings.js";
import { isClusterMessage, type PrimaryMessage, type WorkerMessage } from "./cluster-messages.js";
import type { Started } from "./start.js";

/** The response header naming the worker process that answered. */
export const WORKER_HEADER = "x-cliproxy-worker";

/** This process's part in a cluster. */
export interface WorkerLink {
  readonly slot: number;
  /** The refresh lock for start() (StartOptions.coordinator), reading token files in the app's auth-dir. */
  coordinator(app: App): RefreshCoordinator;
  /** Calls `drain` when this worker must stop: the primary said so, or is gone. Set before start(), which takes seconds. */
  onDrain(drain: () => void): void;
  /** Joins the started app to the others and tells the primary it serves. */
  join(started: Started): void;
}

/** The link when this process is a cluster worker; undefined otherwise. */
export function workerLink(): WorkerLink | undefined {
  // Only a worker of app/cluster.ts: under another cluster primary (PM2's cluster mode) nobody would grant a lock.
  const slot = Number(process.env.CLIPROXY_WORKER_SLOT);
  if (!cluster.isWorker || !process.send || !slot) return undefined;
  let nextId = 1;
  const waiting = new Map<number, (m: PrimaryMessage | undefined) => void>();
  const handlers = new Map<PrimaryMessage["cx"], (m: PrimaryMessage) => void>();
  const send = (m: WorkerMessage) => void (process.connected && process.send?.(m)); // send exists while connected
  /** Sends a request and waits for the reply with its id; resolves undefined once the primary is gone. */
  const request = (m: (id: number) => WorkerMessage) =>
    new Promise<PrimaryMessage | undefined>((resolve) => {
      if (!process.connected) return resolve(undefined);
      const id = nextId++;
      waiting.set(id, resolve);
      send(m(id));
    });
  process.on("message", (m: unknown) => {
    if (!isClusterMessage(m)) return;
    const msg = m as PrimaryMessage;
    if (msg.cx === "granted" || msg.cx === "answers") {
      waiting.get(msg.id)?.(msg);
      waiting.delete(msg.id);
    } else handlers.get(msg.cx)?.(msg);
  });
  // The primary is gone: nobody holds locks or answers any more, so whoever waits goes on alone.
  process.once("disconnect", () => {
    for (const done of waiting.values()) done(undefined);
    waiting.clear();
  });

  const coordinator = (app: App): RefreshCoordinator => ({
    async exclusive(file, refresh) {
      await request((id) => ({ cx: "lock", id, file }));
      try {
        await refresh(await readTokenFile(join(app.config().authDir, file)));
      } finally {
        send({ cx: "unlock", file });
      }
    },
  });

  const answers = new Map<string, (arg: unknown) => unknown>();
  handlers.set("query", (m) => {
    if (m.cx !== "query") return;
    const fn = answers.get(m.topic);
    send({ cx: "answer", id: m.id, value: fn ? fn(m.arg) : undefined });
  });
  const ask = async (m: (id: number) => WorkerMessage) => {
    const reply = await request(m);
    return reply?.cx === "answers" ? reply.values : [];
  };
  const siblings: Siblings = {
    slot,
    ask: (topic, arg) => ask((id) => ({ cx: "ask", id, topic, arg })),
    drain: (topic, count) => ask((id) => ({ cx: "ask", id, topic, arg: count, drain: true })),
    answer: (topic, fn) => void answers.set(topic, fn),
  };

  return {
    slot,
    coordinator,
    onDrain(drain) {
      handlers.set("drain", drain);
      process.once("disconnect", drain);
    },
    join(started) {
      const app = started.app;
      app.siblings = siblings;
      joinCooldowns(app, send, handlers);
      siblings.answer("usage", () => app.providers.usage.snapshot());
      siblings.answer("usage-queue", (n) => app.providers.usage.drain(Number(n) || 0));
      siblings.answer("metrics", () => metricsOf(app).state());
      const pid = String(process.pid);
      started.server.prependListener("request", (_req, res) => res.setHeader(WORKER_HEADER, pid));
      send({ cx: "ready", url: started.url });
    },
  };
}

/** A token file as the worker before us left it (refresh.ts adopts its token when newer); undefined when unreadable. */
async function readTokenFile(path: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  try {
    const raw: unknown = text === undefined ? undefined : JSON.parse(text);
    return raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Cooldowns set here go to the others; theirs are restored here (restore() does not call the observer back). */
function joinCooldowns(
  app: App,
  send: (m: WorkerMessage) => void,
  handlers: Map<PrimaryMessage["cx"], (m: PrimaryMessage) => void>,
): void {
  const book = app.providers.cooldowns;
  const before = book.observer;
  book.observer = (key, model, state) => {
    before?.(key, model, state);
    send({ cx: "cooldown", key, model, state });
  };
  handlers.set("cooldown", (m) => {
    if (m.cx !== "cooldown") return;
    book.restore(m.key, m.model, m.state);
    app.log.debug(`cluster: cooldown of ${m.key} for ${m.model} ${m.state ? "set" : "cleared"} by another worker`);
  });
  handlers.set("cooldowns", (m) => {
    if (m.cx === "cooldowns") for (const c of m.list) book.restore(c.key, c.model, c.state);
  });
}
