/**
 * The client's answer when conduct() gives up (providers.md §5.4, §1.5), and the token-count shapes
 * for the cross-dialect count pairs (translation.md §4.2).
 */
import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "../server/errors.js";
import { passableResponseHeaders } from "../proxy/forward.js";
import { translateError, type Format } from "../translate/hub.js";
import { decodeError } from "../translate/errors.js";
import { parseModelName } from "../translate/model-suffix.js";
import type { ConductError } from "../providers/runtime.js";

type Obj = Record<string, unknown>;

/** Response headers as a flat lower-case record (arrays joined). */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The HttpError for a final conduct() failure. Upstream JSON error bodies reach OpenAI and Gemini
 * clients unchanged when the upstream speaks their dialect; Anthropic clients and cross-dialect pairs
 * get the error rendered in the client's dialect (an upstream Claude error type is kept).
 */
export function finalError(
  result: ConductError,
  client: Format,
  passthrough: boolean,
  dialectOf: (kind: string) => Format | undefined,
): HttpError {
  switch (result.kind) {
    case "unknown-model":
      return new HttpError(404, "", result.message, { code: "model_not_found" });
    case "cooldown":
      // OpenAI and Gemini clients get CLIProxyAPI's model_cooldown body; Anthropic ones its wrapped text (providers.md
      // §5.4).
      return new HttpError(429, "", result.message, {
        headers: { ...result.headers },
        body: client === "anthropic" ? undefined : result.body,
      });
    case "unavailable":
    case "transport":
      return new HttpError(result.status, "", result.message, { headers: { ...result.headers } });
    case "upstream": {
      if (result.status === 401 && result.credential.apiKey) return providerKeyRejected(result, client);
      const headers: Record<string, string> = {};
      if (passthrough) Object.assign(headers, passableResponseHeaders(result.headers));
      delete headers["content-type"]; // the error body is re-rendered as JSON
      const retryAfter = result.headers["retry-after"];
      if (result.status === 429 && retryAfter) headers["retry-after"] = retryAfter;
      const same = dialectOf(result.credential.kind) === client;
      const json = same && client !== "anthropic" ? parsedJson(result.body) : undefined;
      const body =
        json !== undefined && typeof json === "object" ? json : translateError(client, result.status, result.body);
      return new HttpError(result.status, "", result.message, { headers, body });
    }
  }
}

/**
 * A provider that refuses cliproxy's credential (401) is reported as a 403 naming that credential: a 401
 * tells Claude Code and the SDKs that the key they sent to cliproxy is wrong (Claude Code then refreshes
 * and retries for a minute, or asks the user to log in again), and a 5xx is retried by every SDK. A 403
 * is retried by none, and the message says which side to fix.
 */
function providerKeyRejected(result: Extract<ConductError, { kind: "upstream" }>, client: Format): HttpError {
  const cred = result.credential;
  let host = cred.baseUrl;
  try {
    host = new URL(cred.baseUrl).host;
  } catch {
    /* keep the configured text; it never holds the key */
  }
  // Four characters of a long key identify it without helping anyone guess it; a short key gets none shown.
  const which =
    cred.apiKey.length >= 16 ? `key ending …${cred.apiKey.slice(-4)}` : `key ${cred.label.replace(/ \(.*\)$/, "")}`;
  const fix = "replace it in config.yaml";
  const said = decodeError(401, result.body).message.slice(0, 300);
  const message = `provider ${cred.provider} ${which} rejected by ${host} (401: ${said}); ${fix}. cliproxy's own api-keys accepted your client`;
  return new HttpError(403, "permission_error", message, { body: translateError(client, 403, message) });
}

/** A translated request reduced to what the upstream's count endpoint accepts. */
export function countRequestBody(upstream: Format, translated: Obj, model: string): Obj {
  if (upstream === "gemini")
    return { generateContentRequest: { ...translated, model: `models/${parseModelName(model).base}` } };
  const out: Obj = {};
  for (const k of ["model", "messages", "system", "tools", "tool_choice", "thinking"])
    if (translated[k] !== undefined) out[k] = translated[k];
  return out;
}

/** An upstream count answer in the client's shape: Claude `{input_tokens}`, Gemini `{totalTokens, …}`. */
export function countResponse(client: Format, upstream: Obj): Obj {
  const n =
    typeof upstream.input_tokens === "number"
      ? upstream.input_tokens
      : typeof upstream.totalTokens === "number"
        ? upstream.totalTokens
        : 0;
  if (client === "gemini") return { totalTokens: n, promptTokensDetails: [{ modality: "TEXT", tokenCount: n }] };
  return { input_tokens: n };
}

/** Largest non-stream answer read from a provider, on pass-through and translated paths alike. */
export const ANSWER_LIMIT = 32 * 1024 * 1024;

function edgeByte(raw: Buffer, fromEnd: boolean): number | undefined {
  for (let n = 0; n < raw.length; n++) {
    const c = raw[fromEnd ? raw.length - 1 - n : n];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return undefined;
}

/**
 * Why a 2xx non-stream provider answer cannot be a JSON answer (undefined when it can). Pass-through
 * and translated paths both ask, so an event stream, binary or gzip body gets the same 502 on either
 * instead of a 200 carrying bytes no SDK can read; the check is on the edges only, never a parse.
 */
export function answerProblem(host: string, headers: IncomingHttpHeaders, raw: Buffer): string | undefined {
  const type = String(headers["content-type"] ?? "")
    .split(";")[0]
    .trim()
    .toLowerCase();
  if (type !== "" && !type.includes("json")) return `Upstream "${host}" answered with content-type "${type}", not JSON`;
  if (edgeByte(raw, false) !== 0x7b || edgeByte(raw, true) !== 0x7d)
    return `Upstream "${host}" answered with a body that is not a JSON object`;
  return undefined;
}
