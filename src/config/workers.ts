/**
 * `workers: N` (issue #17): how many processes serve the one port. 1 (the default) is the single
 * process cliproxy always was; "auto" is one per core the runtime may use. app/cluster.ts forks them.
 */
import { availableParallelism } from "node:os";
import type { KeyPath, Reader } from "./reader.js";

/** Most workers accepted: past this the primary's IPC, not the cores, is the limit. */
export const MAX_WORKERS = 64;

/** A `workers` value (`4`, `"4"`, `"auto"`) as a count, or a message saying what is wrong with it. */
export function parseWorkers(value: unknown, cores = availableParallelism()): number | string {
  if (typeof value === "string" && value.trim().toLowerCase() === "auto") return Math.min(MAX_WORKERS, cores);
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS) return n;
  return `expected an integer from 1 to ${MAX_WORKERS}, or "auto" (one per core), got ${JSON.stringify(value)}`;
}

/** Reads `workers`; a bad value is a problem and leaves the default, 1. */
export function readWorkers(r: Reader): number {
  const path: KeyPath = ["workers"];
  if (!r.has(path)) return 1;
  const n = parseWorkers(r.raw(path));
  if (typeof n === "number") return n;
  r.problem(path, n);
  return 1;
}
