/**
 * `workers: N` (issue #17): the primary process forks N workers that each run the whole of cliproxy
 * (app/start.ts) and share the one port through node:cluster, which on Linux and macOS accepts in
 * the primary and hands connections out round-robin. The primary serves nothing itself: it restarts a
 * worker that dies (with a growing delay while they keep dying), drains them all on SIGTERM/SIGINT, and
 * keeps what they must agree on (token refresh, cooldowns, usage totals) in app/cluster-hub.ts.
 * With `workers: 1`, the default, none of this runs: main.ts starts the app in its own process.
 */
import cluster, { type Worker } from "node:cluster";
import { findConfig, loadConfigFile } from "../config/load.js";
import { DEFAULT_CONFIG } from "../config/schema.js";
import { PROVIDER_KINDS } from "../providers/kinds.js";
import type { Logger } from "../log/log.js";
import { ClusterHub, type Peer } from "./cluster-hub.js";
import { isClusterMessage, type PrimaryMessage, type WorkerMessage } from "./cluster-messages.js";

/** First restart delay of a worker that died; it doubles while workers keep dying soon after starting. */
export const RESTART_BASE_MS = 250;
/** Longest restart delay. */
export const RESTART_MAX_MS = 30_000;
/** A worker that served this long before dying restarts at once: it was not a crash loop. */
export const STABLE_MS = 60_000;
/** How long draining workers get beyond shutdown-timeout before the primary kills them. */
const DRAIN_GRACE_MS = 5_000;

/** What the primary needs. */
export interface PrimaryOptions {
  readonly workers: number;
  readonly log: Logger;
  /** Drain time a worker is given (shutdown-timeout), before the primary kills it. */
  readonly shutdownTimeoutMs: number;
}

/** The primary: stop() drains every worker; `done` resolves with the exit code once all have exited. */
export interface Primary {
  readonly hub: ClusterHub;
  stop(signal: string): void;
  readonly done: Promise<number>;
}

/** What the primary reads from the config before forking: how many workers, its log level, their drain time. */
export interface ClusterPlan {
  readonly workers: number;
  readonly debug: boolean;
  readonly shutdownTimeoutMs: number;
  /** Why more workers were asked for than will run. */
  readonly warning?: string;
}

/** The plan of a serve command: --workers, else the config file's `workers`; 1 worker when the config does not load. */
export async function clusterPlan(
  flag: number | undefined,
  options: { configPath?: string; cwd: string; homeDir: string; env: Readonly<Record<string, string | undefined>> },
): Promise<ClusterPlan> {
  const path = options.env.PGSTORE_DSN ? undefined : findConfig(options.configPath, options.cwd);
  // A config that does not load is reported by start(), in the one process it then runs.
  const loaded = path
    ? await loadConfigFile(path, { path, homeDir: options.homeDir, env: options.env, kinds: PROVIDER_KINDS }).catch(
        () => undefined,
      )
    : undefined;
  const config = loaded?.config ?? DEFAULT_CONFIG;
  const workers = path && !loaded ? 1 : (flag ?? config.workers);
  const plan = { workers, debug: config.debug, shutdownTimeoutMs: config.shutdownTimeoutMs };
  // With PGSTORE_DSN each process would be a replica with its own spool: run replicas instead.
  if (options.env.PGSTORE_DSN && plan.workers > 1)
    return {
      ...plan,
      workers: 1,
      warning: "workers: PGSTORE_DSN is set, so cliproxy runs one process; run more replicas instead",
    };
  return plan;
}

interface Slot extends Peer {
  worker?: Worker;
  ready: boolean;
  pid: number;
  startedAt: number;
  /** Restarts in a row that came soon after a start. */
  level: number;
  /** Some worker in this slot has served: a later death is restarted, not fatal. */
  served: boolean;
  timer?: NodeJS.Timeout;
}

/** Forks the workers and supervises them (called in the primary only). */
export function startPrimary(options: PrimaryOptions): Primary {
  const { log } = options;
  const slots: Slot[] = [];
  const hub = new ClusterHub(() => slots, log);
  let stopping = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let code = 0;
  let announced = false;

  const fork = (slot: Slot) => {
    slot.timer = undefined;
    const worker = cluster.fork({ CLIPROXY_WORKER_SLOT: String(slot.slot) });
    Object.assign(slot, { worker, ready: false, pid: worker.process.pid ?? 0, startedAt: Date.now() });
    worker.on("message", (m: unknown) => {
      if (!isClusterMessage(m)) return;
      const msg = m as WorkerMessage;
      if (msg.cx === "ready") {
        slot.ready = slot.served = true;
        log.info(`cluster: worker ${slot.slot} (pid ${slot.pid}) serving ${msg.url}`);
        if (!announced && slots.every((s) => s.ready)) {
          announced = true;
          log.info(`cluster: ${slots.length} workers listening on ${msg.url}`);
        }
      }
      hub.receive(slot, msg);
    });
    worker.on("exit", (exitCode, signal) => exited(slot, worker, exitCode, signal));
    // A send racing the worker's exit fails here; the exit handler does the rest.
    worker.on("error", (err: Error) => log.warn(`cluster: worker ${slot.slot} (pid ${slot.pid}): ${err.message}`));
  };

  const exited = (slot: Slot, worker: Worker, exitCode: number | null, signal: string | null) => {
    if (slot.worker !== worker) return;
    slot.ready = false;
    slot.worker = undefined;
    hub.gone(slot);
    const how = signal ? `signal ${signal}` : `code ${exitCode}`;
    if (stopping) {
      if (exitCode !== 0) code = 1;
      if (slots.every((s) => !s.worker)) finish(code);
      return;
    }
    if (!slot.served) {
      // Never served (the port is taken, the config broke between reads): restarting would fail the same way.
      log.error(`cluster: worker ${slot.slot} (pid ${slot.pid}) exited with ${how} before listening; stopping`);
      code = 1;
      return stop("startup failure");
    }
    slot.level = Date.now() - slot.startedAt >= STABLE_MS ? 0 : slot.level + 1;
    const delay = slot.level === 0 ? 0 : Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (slot.level - 1));
    log.warn(`cluster: worker ${slot.slot} (pid ${slot.pid}) exited with ${how}; starting a new one in ${delay} ms`);
    slot.timer = setTimeout(() => fork(slot), delay);
  };

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${reason}: draining ${slots.filter((s) => s.worker).length} workers, then exiting`);
    for (const slot of slots) {
      clearTimeout(slot.timer);
      const w = slot.worker;
      if (!w) continue;
      if (w.isConnected()) w.send({ cx: "drain" } satisfies PrimaryMessage);
      else w.process.kill("SIGTERM");
      const kill = setTimeout(() => w.process.kill("SIGKILL"), options.shutdownTimeoutMs + DRAIN_GRACE_MS);
      kill.unref();
      w.once("exit", () => clearTimeout(kill));
    }
    if (slots.every((s) => !s.worker)) finish(code);
  };

  for (let i = 1; i <= options.workers; i++) {
    const slot: Slot = {
      slot: i,
      pid: 0,
      ready: false,
      startedAt: 0,
      level: 0,
      served: false,
      send: (m) => void (slot.worker?.isConnected() && slot.worker.send(m)),
    };
    slots.push(slot);
  }
  log.info(`cluster: starting ${options.workers} workers (workers: ${options.workers})`);
  for (const slot of slots) fork(slot);
  return { hub, stop, done };
}
