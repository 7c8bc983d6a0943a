/** Request bodies: read whole with a size cap (413 past it), optional gzip decoding, JSON parsing (400). */
import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { HttpError } from "./errors.js";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../proxy/json-scan.js";
import { readAll } from "../proxy/streams.js";
import type { Ctx } from "./handler.js";

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    "request_too_large",
    `Request body is larger than the ${limit} byte limit; raise body-limit-mb in config.yaml to allow it`,
  );
}

/**
 * Reads the whole request body, up to `limit` bytes (after decoding when `decode` is set and the
 * client sent `Content-Encoding: gzip`, as the Amp CLI does for bodies over 25,600 bytes).
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  options: { decode?: boolean } = {},
): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  // No req.resume() on refusal: dispatch answers with `connection: close` rather than read a huge body to its end.
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const gzipped = options.decode === true && /^\s*gzip\s*$/i.test(String(req.headers["content-encoding"] ?? ""));
  if (!gzipped) {
    const body = await readAll(req, limit);
    if (body === undefined) throw tooLarge(limit);
    return body;
  }
  // pipeline() (not .pipe) so a client abort destroys the gunzip stream too and the loop below ends.
  const source: NodeJS.ReadableStream = pipeline(req, createGunzip(), () => {});
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) {
        req.unpipe();
        throw tooLarge(limit);
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "invalid_request_error", "Request body is labelled gzip but could not be decoded", {
      cause: err,
    });
  }
  return Buffer.concat(chunks, size);
}

/** Parses a JSON object body, answering 400 in the client's dialect when it is not one. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  const text = body.toString("utf8");
  if (nestsDeeperThan(text)) {
    throw new HttpError(
      400,
      "invalid_request_error",
      `Request body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; flatten it`,
    );
  }
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "invalid_request_error", `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "invalid_request_error", "Request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Reads and parses a JSON object body with the configured cap. */
export async function readJson(
  req: IncomingMessage,
  ctx: Ctx,
): Promise<{ raw: Buffer; json: Record<string, unknown> }> {
  const raw = await readBody(req, ctx.config.bodyLimitBytes, { decode: true });
  return { raw, json: parseJsonObject(raw) };
}
