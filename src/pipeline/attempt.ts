/**
 * attempt(): one try of a model request on one credential. Build the upstream request with the
 * credential's executor, send it (refreshing a subscription token once on 401), and answer the
 * client: pass-through bytes when the dialects match, translated otherwise. Failures before any byte
 * reached the client come back as a `failed` outcome, so routing can try the next credential.
 */
import assert from "node:assert/strict";
import type { Ctx } from "../server/handler.js";
import { HttpError, redactHeaders } from "../server/errors.js";
import { redact } from "../log/redact.js";
import { normalizeGeminiRequest } from "../translate/gemini-normalize.js";
import {
  createStreamTranslator,
  translateError,
  translateRequest,
  translateResponse,
  translateStreamToResponse,
  type Format,
  type Upstream,
} from "../translate/hub.js";
import {
  effectiveProxy,
  passableResponseHeaders,
  readResponseBody,
  sendUpstream,
  UpstreamError,
} from "../proxy/forward.js";
import { editBody } from "../providers/body-edit.js";
import { suffixEdits } from "../providers/thinking-suffix.js";
import { liveCredential, renewedCredential, type LiveCredential } from "../providers/tokens.js";
import { applyOAuthCall } from "../oauth/headers.js";
import { ANSWER_LIMIT, answerProblem, countRequestBody, countResponse, flatHeaders } from "./answer.js";
import { nestsDeeperThan } from "../proxy/json-scan.js";
import { collectEvents, errorEventStatus, pumpStream } from "./stream.js";
import { mergeUsage, parseUsage, type ParsedUsage } from "../providers/usage.js";
import type { Action, Executor } from "../providers/executor.js";
import type { AttemptOutcome, Credential, LocalCall } from "../providers/types.js";
import { suffixText, type Resolved } from "../providers/resolve.js";
import { writeAnswer, writeError, writeJson } from "./reply.js";

/** Largest upstream error body kept (for classification and the client). */
const ERROR_BODY_LIMIT = 1024 * 1024;

/** What the attempts of one request share: bootstrap retries left, and whether answer bytes reached the client. */
export interface AttemptState {
  bootstrapLeft: number;
  answered: boolean;
}

type Failed = Extract<AttemptOutcome, { kind: "failed" }>;

/** Reads from an upstream answer; a reset, bad encoding or size cap there is the upstream's failure (502), not ours. */
async function fromUpstream<T extends object>(
  host: string,
  signal: AbortSignal,
  read: () => Promise<T>,
): Promise<T | Failed> {
  try {
    return await read();
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof UpstreamError) return { kind: "failed", status: err.status, body: err.message, headers: {} };
    const e = err as NodeJS.ErrnoException;
    return {
      kind: "failed",
      status: 502,
      body: `Cannot read the answer of upstream "${host}": ${e.code ?? e.message}`,
      headers: {},
    };
  }
}

/** Statuses a stream that failed before its first byte is re-run for (providers.md §4.5). */
function bootstrapRetryable(status: number): boolean {
  return [401, 402, 403, 408, 429].includes(status) || status >= 500;
}

/** Reasoning effort and service tier as the client asked for them (usage records, providers.md §6). */
function requestFacts(call: LocalCall, resolved: Resolved): { reasoningEffort?: string; serviceTier?: string } {
  const j = call.json;
  const reasoning =
    j.reasoning !== null && typeof j.reasoning === "object"
      ? (j.reasoning as Record<string, unknown>).effort
      : undefined;
  const effort = j.reasoning_effort ?? reasoning ?? resolved.name.suffix;
  return {
    reasoningEffort: typeof effort === "string" && effort !== "" ? effort : undefined,
    serviceTier: typeof j.service_tier === "string" ? j.service_tier : undefined,
  };
}

/** The hub's name for an executor's wire: Codex credentials get the Codex profile (translate/codex.ts). */
function wireOf(ex: Executor): Upstream {
  return ex.kind === "codex" ? "codex" : ex.dialect;
}

/** The request body in the upstream's dialect (the client's bytes when the dialects match), and its parsed form for the builder. */
function upstreamBody(
  call: LocalCall,
  resolved: Resolved,
  client: Format,
  ex: Executor,
  action: Action,
  model: string,
  stream: boolean,
): { body: Buffer; json: Record<string, unknown> } {
  if (wireOf(ex) === client) {
    // Gemini bodies Google would reject (empty response names, model-first history) are repaired first.
    const normal = client === "gemini" ? normalizeGeminiRequest(call.json) : undefined;
    const edits = suffixEdits(client, resolved.name.reasoning, normal ?? call.json);
    if (normal) return { body: Buffer.from(JSON.stringify({ ...normal, ...edits })), json: { ...normal, ...edits } };
    if (Object.keys(edits).length === 0) return { body: call.body, json: call.json };
    return { body: editBody(call.body, { set: edits }), json: { ...call.json, ...edits } };
  }
  let translated: Record<string, unknown>;
  try {
    translated = translateRequest(client, wireOf(ex), call.json, model, { stream });
  } catch (err) {
    // A request the translator cannot read is the client's to fix, not a credential failure.
    throw new HttpError(
      400,
      "invalid_request_error",
      `Cannot translate the request from ${client} to ${ex.dialect}: ${(err as Error).message}`,
    );
  }
  const json = action === "count" ? countRequestBody(ex.dialect, translated, model) : translated;
  return { body: Buffer.from(JSON.stringify(json)), json };
}

/** One try of `call` on `cred` under `upstreamModel`, for the model `resolved` once by serveLocal(). */
export async function attempt(
  ctx: Ctx,
  call: LocalCall,
  resolved: Resolved,
  client: Format,
  action: Action,
  cred: Credential,
  upstreamModel: string,
  state: AttemptState,
): Promise<AttemptOutcome> {
  const { app, config, res } = ctx;
  const kind = app.kinds[cred.kind];
  assert.ok(kind, `no provider kind "${cred.kind}" in the kinds table: the credential was built from another table`);
  const ex = kind.executor;
  const stream = call.endpoint === "gemini-stream" || (action === "generate" && call.json.stream === true);
  // The client's thinking suffix rides on the upstream name; the translators read it from there (translate/hub.ts).
  const upstreamName = upstreamModel + suffixText(resolved);
  const { body, json: parsedBody } = upstreamBody(call, resolved, client, ex, action, upstreamName, stream);
  const started = app.clock.now();
  ctx.notes.provider = cred.provider;
  const send = async (l: LiveCredential) => {
    const plain = ex.build({
      cred: l.cred,
      call,
      body,
      json: parsedBody,
      upstreamModel,
      stream,
      action,
      config,
      token: l.token,
    });
    // Subscription tokens add what their vendor requires (bearer, account id).
    const built = l.token ? { ...plain, ...applyOAuthCall(plain, l.token) } : plain;
    const urls = [built.url, ...(built.alternates ?? [])];
    for (let i = 0; ; i++) {
      const last = i === urls.length - 1;
      let response;
      try {
        response = await sendUpstream(
          { url: urls[i], headers: built.headers, body: built.body },
          {
            signal: ctx.signal,
            connectTimeoutMs: config.upstreamConnectTimeoutMs,
            proxyUrl: effectiveProxy(cred.proxyUrl, config.proxyUrl),
            responseTimeoutMs: config.upstreamResponseTimeoutMs,
            idleTimeoutMs: config.upstreamIdleTimeoutMs,
          },
        );
      } catch (err) {
        if (last || ctx.signal.aborted) throw err;
        continue; // an unreachable root: the next one (Antigravity, providers.md §2.5)
      }
      if (response.statusCode === 429 && !last) {
        response.resume();
        continue;
      }
      return { up: { ...built, url: urls[i] }, upstream: response };
    }
  };
  let live = await liveCredential(app, cred);
  if ("kind" in live) return live;
  let { up, upstream } = await send(live);
  if (upstream.statusCode === 401 && live.token) {
    // One shared refresh and one retry with the new token (oauth.md §7).
    upstream.resume();
    live = await renewedCredential(app, live);
    if ("kind" in live) return live;
    ({ up, upstream } = await send(live));
  }
  const host = new URL(up.url).host;
  const status = upstream.statusCode ?? 502;
  if (status < 100 || status > 599) {
    // Node accepts any three digits (`HTTP/1.1 000`); such a status must never become ours.
    upstream.resume();
    return {
      kind: "failed",
      status: 502,
      body: `Upstream "${host}" answered with invalid HTTP status ${status}`,
      headers: {},
    };
  }
  if (status < 200 || status >= 300) {
    const read = await fromUpstream(host, ctx.signal, () => readResponseBody(upstream, ERROR_BODY_LIMIT));
    const text = "kind" in read ? read.body : redact(read.toString("utf8"), app.log.secrets);
    return {
      kind: "failed",
      status: ex.failureStatus?.(status, text) ?? status,
      body: text,
      headers: flatHeaders(upstream.headers),
    };
  }
  // passthrough-headers relays upstream headers: an upstream that echoes a credential in one must not reach the client.
  const passHeaders = config.passthroughHeaders
    ? redactHeaders(passableResponseHeaders(upstream.headers), app.log.secrets)
    : {};
  let usage: ParsedUsage | undefined;
  let ttftMs: number | undefined;
  const onData = app.providers.usage.enabled
    ? (d: unknown) => void (usage = mergeUsage(usage, parseUsage(ex.usageKind, d)))
    : undefined;
  const record = () =>
    app.providers.usage.record({
      credential: cred,
      model: upstreamModel,
      alias: call.model,
      endpoint: call.endpoint,
      clientKey: ctx.clientKey,
      requestId: ctx.requestId,
      latencyMs: app.clock.now() - started,
      ttftMs,
      failed: false,
      status,
      tokens: usage,
      ...requestFacts(call, resolved),
    });
  const tctx = { requestModel: call.model, clientRequest: call.json };
  // The executor's answer restorer (Claude's renamed tools) runs after the envelope comes off.
  const restore = up.restore;
  const unwrap = restore ? (d: unknown) => restore(ex.unwrap ? ex.unwrap(d) : d) : ex.unwrap;
  const same = wireOf(ex) === client;

  if (up.stream && stream) {
    const result = await pumpStream({
      upstream,
      res,
      signal: ctx.signal,
      client,
      host,
      rewrite: call.rewrite,
      onData,
      unwrap,
      translator: same ? undefined : createStreamTranslator(wireOf(ex), client, tctx),
      isFinal: ex.isFinal,
      keepaliveMs: Math.max(0, config.streaming.keepaliveSeconds) * 1000,
      headers: passHeaders,
      jsonArray: call.endpoint === "gemini-stream" && call.alt !== "sse",
      onFirstByte: () => {
        state.answered = true;
        ttftMs = app.clock.now() - started;
      },
    });
    if (result.kind === "failed") {
      if (state.bootstrapLeft > 0 && bootstrapRetryable(result.status)) {
        state.bootstrapLeft--;
        return { kind: "failed", status: result.status, body: result.body, headers: {} };
      }
      // No bootstrap retry left: nothing was sent yet, so the client gets a normal HTTP error in its dialect.
      const body = translateError(client, result.status, result.body);
      state.answered = true;
      writeError(ctx, new HttpError(result.status, "", "Upstream stream failed before its first event", { body }));
      return { kind: "done" };
    }
    record();
    return { kind: "done" };
  }

  let answer: Record<string, unknown>;
  if (up.stream) {
    // Upstreams that always stream (Codex): fold the events into one answer.
    const collected = await fromUpstream(host, ctx.signal, () => collectEvents(upstream, onData));
    if ("kind" in collected) return collected;
    const { events, data } = collected;
    for (let i = 0; i < events.length; i++) {
      const errStatus = errorEventStatus(events[i], data[i]);
      if (errStatus !== undefined) return { kind: "failed", status: errStatus, body: events[i].data, headers: {} };
    }
    // A stream that ended before its final event is incomplete however the translator would fold it.
    const complete = events.some((e, i) => ex.isFinal(e.event, data[i]));
    const folded = complete ? translateStreamToResponse(wireOf(ex), client, events, tctx) : undefined;
    if (!folded)
      return {
        kind: "failed",
        status: 408,
        body: `Upstream "${host}" stream disconnected before completion`,
        headers: {},
      };
    answer = folded;
  } else {
    const raw = await fromUpstream(host, ctx.signal, () => readResponseBody(upstream, ANSWER_LIMIT));
    if ("kind" in raw) return raw;
    const problem = answerProblem(host, upstream.headers, raw);
    if (problem) return { kind: "failed", status: 502, body: problem, headers: {} };
    const passThrough = same && !call.rewrite && !unwrap;
    let json: Record<string, unknown> | undefined;
    // A pass-through answer is parsed only for usage statistics.
    if (!passThrough || onData) {
      try {
        const text = raw.toString("utf8");
        // A hostile answer nested past the bound would overflow the translators' recursion: treat it as not JSON.
        json = nestsDeeperThan(text) ? undefined : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        json = undefined;
      }
    }
    if (json && unwrap) json = unwrap(json) as Record<string, unknown>;
    if (json) onData?.(json);
    if (passThrough) {
      // Same dialect, nothing to rewrite: the client gets the upstream body byte for byte.
      record();
      writeAnswer(
        res,
        status,
        { ...passHeaders, "content-type": String(upstream.headers["content-type"] ?? "application/json") },
        raw,
      );
      return { kind: "done" };
    }
    if (!json || typeof json !== "object")
      return {
        kind: "failed",
        status: 502,
        body: `Upstream "${host}" answered with a body that is not JSON`,
        headers: {},
      };
    try {
      answer = same
        ? json
        : action === "count"
          ? countResponse(client, json)
          : translateResponse(wireOf(ex), client, json, tctx);
    } catch (err) {
      return {
        kind: "failed",
        status: 502,
        body: `Cannot translate the answer of "${host}" to ${client}: ${(err as Error).message}`,
        headers: {},
      };
    }
  }
  record();
  const out = call.rewrite ? call.rewrite.json(answer) : answer;
  writeJson(res, status, passHeaders, out);
  return { kind: "done" };
}
