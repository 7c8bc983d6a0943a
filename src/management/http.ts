/**
 * Request and response helpers shared by the management endpoints (management.md §2): JSON answers,
 * `{"value": …}` bodies, list bodies (a bare array or `{"items": […]}`), and the `{"error": …}` 400s
 * CLIProxyAPI clients match on.
 */
import type { IncomingMessage } from "node:http";
import { readBody } from "../server/body.js";
import { HttpError } from "../server/errors.js";
import { nestsDeeperThan } from "../proxy/json-scan.js";
import type { Ctx } from "../server/handler.js";
import { isObject } from "../plain-object.js";

/** Management request bodies are small; this cap only stops abuse. */
export const MANAGEMENT_BODY_LIMIT = 1024 * 1024;

/** The 400 message upstream uses for every malformed write body. */
export const INVALID_BODY = "invalid body";

/** A 400 whose message is the `error` of the body. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, "invalid_request_error", message);
}

/** A 404 whose message is the `error` of the body. */
export function notFound(message: string): HttpError {
  return new HttpError(404, "not_found", message);
}

/** Writes `body` as JSON with `status`; management answers are never cached. */
export function reply(ctx: Ctx, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    })
    .end(text);
}

/** `200 {"status":"ok"}`, the answer of every successful write. */
export function ok(ctx: Ctx): void {
  reply(ctx, 200, { status: "ok" });
}

/** The body as text (gzip decoded), capped. */
export async function readText(req: IncomingMessage): Promise<string> {
  return (await readBody(req, MANAGEMENT_BODY_LIMIT, { decode: true })).toString("utf8");
}

/** Reads a JSON body; `undefined` when it is missing or not JSON (the caller decides which 400). */
export async function readJsonBody(req: IncomingMessage): Promise<{ value: unknown } | undefined> {
  const text = await readText(req);
  if (nestsDeeperThan(text)) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The `value` of a `{"value": …}` body; 400 invalid body when absent, null or not JSON. */
export async function readValue(req: IncomingMessage): Promise<unknown> {
  const body = await readJsonBody(req);
  if (!body || !isObject(body.value) || body.value.value === undefined || body.value.value === null)
    throw badRequest(INVALID_BODY);
  return body.value.value;
}

/** A list body: a bare JSON array or a non-empty `{"items": […]}` (management.md §2). */
export async function readList(req: IncomingMessage): Promise<unknown[]> {
  const body = await readJsonBody(req);
  if (body && Array.isArray(body.value)) return body.value;
  if (body && isObject(body.value) && Array.isArray(body.value.items) && body.value.items.length > 0)
    return body.value.items;
  throw badRequest(INVALID_BODY);
}

/** A JSON object body; 400 invalid body otherwise. */
export async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJsonBody(req);
  if (!body || !isObject(body.value)) throw badRequest(INVALID_BODY);
  return body.value;
}

/** A non-negative integer query or body index; undefined when absent or not one. */
export function indexOf(v: unknown): number | undefined {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
}
