/**
 * Legacy `/v1/completions` (providers.md §1.1: "converted to chat"): the prompt becomes one user
 * message, and answers go back as `text_completion` objects through the response-rewriter hook, so
 * the chat path (and its translators) serves these requests unchanged.
 */
import type { LocalCall, ResponseRewriter } from "./types.js";
import { isObject } from "../plain-object.js";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return isObject(v) ? v : undefined;
}

/** Legacy completions request → Chat Completions request (sampling fields kept). */
export function completionsToChat(json: Obj): Obj {
  const { prompt, suffix: _suffix, echo: _echo, best_of: _bestOf, logprobs: _logprobs, ...rest } = json;
  const text = Array.isArray(prompt) ? prompt.map(String).join("\n") : typeof prompt === "string" ? prompt : "";
  return { ...rest, messages: [{ role: "user", content: text }] };
}

function choiceText(choice: Obj, stream: boolean): Obj {
  const msg = obj(stream ? choice.delta : choice.message);
  return {
    text: typeof msg?.content === "string" ? msg.content : "",
    index: choice.index ?? 0,
    logprobs: null,
    finish_reason: choice.finish_reason ?? null,
  };
}

function toCompletion(body: Obj, stream: boolean): Obj {
  if (body.object !== "chat.completion" && body.object !== "chat.completion.chunk") return body;
  const choices = Array.isArray(body.choices) ? body.choices.map((c) => choiceText(obj(c) ?? {}, stream)) : [];
  const out: Obj = { id: body.id, object: "text_completion", created: body.created, model: body.model, choices };
  if (body.usage !== undefined) out.usage = body.usage;
  return out;
}

/** Rewrites chat answers as completions answers, then applies the caller's own rewriter. */
export function completionsRewriter(next?: ResponseRewriter): ResponseRewriter {
  return {
    json: (body) => (next ? next.json(toCompletion(body, false)) : toCompletion(body, false)),
    event: (data) => (next ? next.event(toCompletion(data, true)) : toCompletion(data, true)),
  };
}

/** The chat call that serves a legacy completions call. */
export function completionsCall(call: LocalCall): LocalCall {
  const json = completionsToChat(call.json);
  return {
    ...call,
    endpoint: "openai-chat",
    json,
    body: Buffer.from(JSON.stringify(json)),
    rewrite: completionsRewriter(call.rewrite),
  };
}
