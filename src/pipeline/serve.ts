/**
 * serveLocal(): one model request served from local credentials. Resolve the model once (or take the
 * caller's resolution, Amp's decision), let the routing runtime pick credentials (conduct), and per
 * attempt: build the upstream request with the credential's executor, send it, and answer the client.
 * Same-dialect requests pass through without re-serialising (only `model` and the spec'd fields change);
 * other pairs go through translate/hub.ts. The plan of this pipeline is at the top of resolve.ts.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { Ctx } from "../server/handler.js";
import { HttpError } from "../server/errors.js";
import { canTranslate, estimateInputTokens, type Format } from "../translate/hub.js";
import { completionsCall } from "../providers/completions.js";
import { callerModelRewriter } from "../providers/model-names.js";
import { countResponse, finalError } from "./answer.js";
import { finishWithError, startKeepalive, writeJson } from "./reply.js";
import type { Resolved } from "../providers/resolve.js";
import type { Action } from "../providers/executor.js";
import { sessionIdOf } from "../routing/session.js";
import type { Endpoint, LocalCall } from "../providers/types.js";
import { CLIENT_FORMAT } from "../providers/executors.js";
import type { Kinds } from "../providers/kinds.js";
import { attempt, type AttemptState } from "./attempt.js";

function actionOf(endpoint: Endpoint): Action {
  return endpoint === "anthropic-count-tokens" || endpoint === "gemini-count-tokens" ? "count" : "generate";
}

/** Whether a credential kind can serve a client dialect and action. */
function supports(kinds: Kinds, kind: string, client: Format, action: Action): boolean {
  const ex = kinds[kind]?.executor;
  if (!ex || (action === "count" && !ex.canCount)) return false;
  return ex.dialect === client || canTranslate(client, ex.dialect);
}

/**
 * Serves a model request from local credentials; the Amp wrapper calls this too, passing the resolution its
 * decision made for `original.model` (null, or an "amp-upstream" one, when nothing local serves it).
 */
export async function serveLocal(
  _req: IncomingMessage,
  ctx: Ctx,
  original: LocalCall,
  decided?: Resolved | null,
): Promise<void> {
  let call = original.endpoint === "openai-completions" ? completionsCall(original) : original;
  const client = CLIENT_FORMAT[call.endpoint];
  const action = actionOf(call.endpoint);
  const providersRuntime = ctx.app.providers;
  ctx.notes.model = call.model;
  const resolved =
    decided === undefined ? providersRuntime.resolve(call.model) : decided?.route === "local" ? decided : undefined;
  if (resolved?.spelling) {
    ctx.app.log.info(`model: "${call.model}" is served as "${resolved.model}" (${resolved.spelling})`, {
      id: ctx.requestId,
    });
    // Pass-through answers carry the upstream's id; the caller must see the name it sent (Amp's rewriter already does).
    if (!call.rewrite) call = { ...call, rewrite: callerModelRewriter(call.model) };
  }
  let providers: string[] | undefined;
  if (resolved) {
    const usable = resolved.candidates.filter((c) => supports(ctx.app.kinds, c.kind, client, action));
    if (usable.length === 0 && action === "count") return answerEstimate(ctx, client, call.json);
    if (usable.length === 0) {
      const kinds = [...new Set(resolved.candidates.map((c) => c.kind))];
      const missing = kinds.filter((k) => !ctx.app.kinds[k]);
      const why = missing.length
        ? `${missing.join(", ")} credentials have no executor yet`
        : `no translator from ${client} to ${kinds.map((k) => ctx.app.kinds[k]?.executor.dialect).join(", ")} yet`;
      throw new HttpError(501, "", `Cannot serve ${call.endpoint} for model "${call.model}": ${why}`);
    }
    providers = [...new Set(usable.map((c) => c.provider))];
  } else {
    // A subscription whose grant was revoked left the pool; saying so beats "model not served".
    const revoked = ctx.app.oauth?.revokedNotice(call.model);
    if (revoked) throw new HttpError(401, "authentication_error", revoked);
  }
  const state: AttemptState = { bootstrapLeft: Math.max(0, ctx.config.streaming.bootstrapRetries), answered: false };
  const streaming = call.endpoint === "gemini-stream" || (action === "generate" && call.json.stream === true);
  const stopKeepalive = streaming
    ? () => undefined
    : startKeepalive(ctx.res, ctx.config.nonstreamKeepaliveInterval * 1000);
  let result;
  try {
    result = await providersRuntime.conduct(
      {
        model: call.model,
        // Resolved once above; "unknown-model" comes back when nothing local serves it.
        resolved: resolved ?? null,
        signal: ctx.signal,
        providers,
        config: ctx.config,
        endpoint: call.endpoint,
        clientKey: ctx.clientKey,
        requestId: ctx.requestId,
        sessionId: ctx.config.routing.sessionAffinity ? sessionIdOf(call.headers, call.json) : undefined,
        // Not res.headersSent: keep-alive newlines send the head early, and a failover after them is still clean.
        committed: () => state.answered,
      },
      (cred, upstreamModel) => {
        assert.ok(resolved, "conduct() tries no credential for a model nothing serves");
        return attempt(ctx, call, resolved, client, action, cred, upstreamModel, state);
      },
    );
  } finally {
    stopKeepalive();
  }
  if (result.kind === "done") return;
  const err = finalError(
    result,
    client,
    ctx.config.passthroughHeaders,
    (kind) => ctx.app.kinds[kind]?.executor.dialect,
  );
  finishWithError(ctx, err);
}

/** count_tokens when no credential for the model can count: cliproxy's documented estimate (translate/count.ts). */
function answerEstimate(ctx: Ctx, client: Format, body: Record<string, unknown>): void {
  writeJson(ctx.res, 200, {}, countResponse(client, { input_tokens: estimateInputTokens(client, body) }));
}
