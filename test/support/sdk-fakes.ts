/**
 * Four fake upstreams for the SDK compatibility suite, each answering in its own dialect: Claude
 * (Messages), OpenAI-compatible (Chat Completions), Codex (Responses, always streamed) and Gemini
 * (generateContent / streamGenerateContent?alt=sse). A request that declares tools gets a tool-call
 * answer (with thinking and a bit of text before the call); any other gets a plain text answer.
 */
import type { ServerResponse } from "node:http";
import { formatEvent } from "../../src/sse/write.ts";
import { sendJson, startFake, type FakeUpstream, type Recorded } from "./fake-upstream.ts";

/** The upstream kinds the suite drives. */
export type UpstreamKind = "claude" | "openai" | "codex" | "gemini";

/** What a fake says; the tool answer always calls get_weather({"city":"Paris"}). */
export interface Answer {
  thinking?: string;
  text: string;
  call?: { id: string; name: string; args: string };
}

/** The text answer each fake gives: two deltas when streamed. */
export const TEXT_PIECES = ["Hello ", "from cliproxy"];
/** The argument fragments of the tool call when streamed. */
export const ARG_PIECES = ['{"city":', '"Paris"}'];

function answerFor(kind: UpstreamKind, withTools: boolean): Answer {
  if (!withTools) return { text: TEXT_PIECES.join("") };
  const id = kind === "claude" ? "toolu_01FakeWeather" : kind === "gemini" ? "" : "call_fake_weather";
  return {
    thinking: "Need the weather.",
    text: "Checking.",
    call: { id, name: "get_weather", args: ARG_PIECES.join("") },
  };
}

function sse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>, crlf = false): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) {
    const text = formatEvent({ event: e.event, data: typeof e.data === "string" ? e.data : JSON.stringify(e.data) });
    res.write(crlf ? text.replace(/\n/g, "\r\n") : text);
  }
  res.end();
}

// Claude ─────────────────────────────────────────────────────────────────────────────────────────

/** The model name for which the Claude fake answers 429 in Anthropic's error shape. */
export const LIMITED_MODEL = "claude-limited";

function claude(req: Recorded, res: ServerResponse): void {
  const body = req.json ?? {};
  if (body.model === LIMITED_MODEL)
    return sendJson(res, 429, { type: "error", error: { type: "rate_limit_error", message: "Slow down, please" } });
  const a = answerFor("claude", Array.isArray(body.tools) && body.tools.length > 0);
  const stop = a.call ? "tool_use" : "end_turn";
  const usage = { input_tokens: 12, output_tokens: 7 };
  if (body.stream !== true) {
    const content: unknown[] = [];
    if (a.thinking) content.push({ type: "thinking", thinking: a.thinking, signature: "EqFakeClaudeSignature" });
    content.push({ type: "text", text: a.text, citations: null });
    if (a.call) content.push({ type: "tool_use", id: a.call.id, name: a.call.name, input: JSON.parse(a.call.args) });
    return sendJson(res, 200, {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model: body.model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage,
    });
  }
  const ev = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, ...data } });
  const events = [
    ev("message_start", {
      message: {
        id: "msg_fake",
        type: "message",
        role: "assistant",
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  if (a.thinking) {
    events.push(ev("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } }));
    events.push(ev("content_block_delta", { index, delta: { type: "thinking_delta", thinking: a.thinking } }));
    events.push(
      ev("content_block_delta", { index, delta: { type: "signature_delta", signature: "EqFakeClaudeSignature" } }),
    );
    events.push(ev("content_block_stop", { index: index++ }));
  }
  events.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
  for (const t of a.call ? [a.text] : TEXT_PIECES)
    events.push(ev("content_block_delta", { index, delta: { type: "text_delta", text: t } }));
  events.push(ev("content_block_stop", { index: index++ }));
  if (a.call) {
    events.push(
      ev("content_block_start", {
        index,
        content_block: { type: "tool_use", id: a.call.id, name: a.call.name, input: {} },
      }),
    );
    for (const p of ARG_PIECES)
      events.push(ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: p } }));
    events.push(ev("content_block_stop", { index: index++ }));
  }
  events.push(ev("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 7 } }));
  events.push(ev("message_stop", {}));
  sse(res, events);
}

// OpenAI-compatible (Chat Completions) ──────────────────────────────────────────────────────────────

/** The model name for which the OpenAI-compatible fake streams two parallel calls with interleaved argument pieces. */
export const PARALLEL_MODEL = "parallel-llama";

// Some Chat upstreams interleave parallel calls' argument pieces; Claude blocks and Responses items cannot.
function openaiParallel(body: any, res: ServerResponse): void {
  const head = { id: "chatcmpl-par", object: "chat.completion.chunk", created: 1_731_000_000, model: body.model };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    data: { ...head, choices: [{ index: 0, delta, finish_reason: finish }] },
  });
  const call = (index: number, f: Record<string, unknown>) => chunk({ tool_calls: [{ index, ...f }] });
  sse(res, [
    chunk({ role: "assistant", content: "" }),
    call(0, { id: "call_par_a", type: "function", function: { name: "get_weather", arguments: "" } }),
    call(1, { id: "call_par_b", type: "function", function: { name: "get_weather", arguments: '{"city":' } }),
    call(0, { function: { arguments: '{"city":' } }),
    call(1, { function: { arguments: '"Rome"}' } }),
    call(0, { function: { arguments: '"Paris"}' } }),
    chunk({}, "tool_calls"),
    { data: { ...head, choices: [], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } } },
    { data: "[DONE]" },
  ]);
}

function openai(req: Recorded, res: ServerResponse): void {
  const body = req.json ?? {};
  if (body.model === PARALLEL_MODEL && body.stream === true) return openaiParallel(body, res);
  const a = answerFor("openai", Array.isArray(body.tools) && body.tools.length > 0);
  const finish = a.call ? "tool_calls" : "stop";
  const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };
  const head = { id: "chatcmpl-fake", created: 1_731_000_000, model: body.model };
  if (body.stream !== true) {
    const message: Record<string, unknown> = { role: "assistant", content: a.text, refusal: null };
    if (a.thinking) message.reasoning_content = a.thinking;
    if (a.call)
      message.tool_calls = [
        { id: a.call.id, type: "function", function: { name: a.call.name, arguments: a.call.args } },
      ];
    return sendJson(res, 200, {
      ...head,
      object: "chat.completion",
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage,
    });
  }
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    data: {
      ...head,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    },
  });
  const events: Array<{ data: unknown }> = [chunk({ role: "assistant", content: "" })];
  if (a.thinking) events.push(chunk({ reasoning_content: a.thinking }));
  for (const t of a.call ? [a.text] : TEXT_PIECES) events.push(chunk({ content: t }));
  if (a.call) {
    events.push(
      chunk({
        tool_calls: [{ index: 0, id: a.call.id, type: "function", function: { name: a.call.name, arguments: "" } }],
      }),
    );
    for (const p of ARG_PIECES) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] }));
  }
  events.push(chunk({}, finish));
  if (body.stream_options?.include_usage === true)
    events.push({ data: { ...head, object: "chat.completion.chunk", choices: [], usage } });
  events.push({ data: "[DONE]" });
  sse(res, events);
}

// Codex (Responses, always streamed) ──────────────────────────────────────────────────────────────

/** The Responses events the Codex fake streams for an answer; `response.completed` has an empty output, as Codex sends. */
export function codexEvents(a: Answer, model: string): Array<{ event: string; data: Record<string, unknown> }> {
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => ({
    event: type,
    data: { type, sequence_number: seq++, ...data },
  });
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: "resp_fake",
    object: "response",
    created_at: 1_731_000_000,
    status,
    model,
    output: [],
    error: null,
    incomplete_details: null,
    instructions: null,
    metadata: {},
    parallel_tool_calls: true,
    temperature: null,
    tool_choice: "auto",
    tools: [],
    top_p: null,
    ...extra,
  });
  const events = [
    ev("response.created", { response: response("in_progress") }),
    ev("response.in_progress", { response: response("in_progress") }),
  ];
  let out = 0;
  if (a.thinking) {
    const at = { item_id: "rs_fake", output_index: out };
    events.push(
      ev("response.output_item.added", { output_index: out, item: { id: "rs_fake", type: "reasoning", summary: [] } }),
    );
    events.push(
      ev("response.reasoning_summary_part.added", {
        ...at,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      }),
    );
    events.push(ev("response.reasoning_summary_text.delta", { ...at, summary_index: 0, delta: a.thinking }));
    events.push(ev("response.reasoning_summary_text.done", { ...at, summary_index: 0, text: a.thinking }));
    events.push(
      ev("response.reasoning_summary_part.done", {
        ...at,
        summary_index: 0,
        part: { type: "summary_text", text: a.thinking },
      }),
    );
    events.push(
      ev("response.output_item.done", {
        output_index: out++,
        item: {
          id: "rs_fake",
          type: "reasoning",
          summary: [{ type: "summary_text", text: a.thinking }],
          encrypted_content: "gAAAAFakeCodexSignature",
        },
      }),
    );
  }
  const msgAt = { item_id: "msg_fake", output_index: out };
  const part = (text: string) => ({ type: "output_text", annotations: [], text });
  events.push(
    ev("response.output_item.added", {
      output_index: out,
      item: { id: "msg_fake", type: "message", status: "in_progress", role: "assistant", content: [] },
    }),
  );
  events.push(ev("response.content_part.added", { ...msgAt, content_index: 0, part: part("") }));
  for (const t of a.call ? [a.text] : TEXT_PIECES)
    events.push(ev("response.output_text.delta", { ...msgAt, content_index: 0, delta: t, logprobs: [] }));
  events.push(ev("response.output_text.done", { ...msgAt, content_index: 0, text: a.text, logprobs: [] }));
  events.push(ev("response.content_part.done", { ...msgAt, content_index: 0, part: part(a.text) }));
  events.push(
    ev("response.output_item.done", {
      output_index: out++,
      item: { id: "msg_fake", type: "message", status: "completed", role: "assistant", content: [part(a.text)] },
    }),
  );
  if (a.call) {
    const fc = (status: string, args: string) => ({
      id: "fc_fake",
      type: "function_call",
      status,
      call_id: a.call!.id,
      name: a.call!.name,
      arguments: args,
    });
    const at = { item_id: "fc_fake", output_index: out };
    events.push(ev("response.output_item.added", { output_index: out, item: fc("in_progress", "") }));
    for (const p of ARG_PIECES) events.push(ev("response.function_call_arguments.delta", { ...at, delta: p }));
    events.push(ev("response.function_call_arguments.done", { ...at, arguments: a.call.args }));
    events.push(ev("response.output_item.done", { output_index: out++, item: fc("completed", a.call.args) }));
  }
  const usage = {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 7,
    output_tokens_details: { reasoning_tokens: 2 },
    total_tokens: 19,
  };
  events.push(ev("response.completed", { response: response("completed", { usage }) }));
  return events;
}

function codex(req: Recorded, res: ServerResponse): void {
  const body = req.json ?? {};
  if (body.stream !== true)
    return sendJson(res, 400, {
      error: { message: "Stream must be set to true", type: "invalid_request_error", param: null, code: null },
    });
  // cliproxy adds Codex's built-in image_generation tool to every request (HEAD does too); only function tools are "declared tools" here.
  const declared = Array.isArray(body.tools) ? body.tools.filter((t: any) => t?.type !== "image_generation") : [];
  sse(res, codexEvents(answerFor("codex", declared.length > 0), String(body.model)));
}

// Gemini ────────────────────────────────────────────────────────────────────────────────────────

function gemini(req: Recorded, res: ServerResponse): void {
  const body = req.json ?? {};
  const m = /\/models\/([^/:]+):(\w+)/.exec(req.url);
  const model = m ? decodeURIComponent(m[1]) : "gemini";
  const decls = (Array.isArray(body.tools) ? body.tools : []).flatMap((t: any) => t?.functionDeclarations ?? []);
  const a = answerFor("gemini", decls.length > 0);
  const usage = {
    promptTokenCount: 12,
    candidatesTokenCount: 5,
    thoughtsTokenCount: a.thinking ? 2 : undefined,
    totalTokenCount: a.thinking ? 19 : 17,
  };
  const call = a.call && {
    functionCall: { name: a.call.name, args: JSON.parse(a.call.args) },
    thoughtSignature: "CiQBFakeGeminiSignature",
  };
  const chunk = (parts: unknown[], extra: Record<string, unknown> = {}, cand: Record<string, unknown> = {}) => ({
    candidates: [{ content: { role: "model", parts }, ...cand, index: 0 }],
    ...extra,
    modelVersion: model,
    responseId: "gem_fake",
  });
  if (m?.[2] !== "streamGenerateContent") {
    const parts: unknown[] = [];
    if (a.thinking) parts.push({ text: a.thinking, thought: true });
    parts.push({ text: a.text });
    if (call) parts.push(call);
    return sendJson(res, 200, chunk(parts, { usageMetadata: usage }, { finishReason: "STOP" }));
  }
  const events: Array<{ data: unknown }> = [];
  if (a.thinking) events.push({ data: chunk([{ text: a.thinking, thought: true }]) });
  for (const t of a.call ? [a.text] : TEXT_PIECES) events.push({ data: chunk([{ text: t }]) });
  const last = events.pop()!.data as ReturnType<typeof chunk>;
  const parts = [...last.candidates[0].content.parts, ...(call ? [call] : [])];
  events.push({ data: chunk(parts, { usageMetadata: usage }, { finishReason: "STOP" }) });
  sse(res, events, true);
}

const HANDLERS: Record<UpstreamKind, (req: Recorded, res: ServerResponse) => void> = { claude, openai, codex, gemini };

/** Starts the four fakes (closed with `close()`). */
export async function startSdkFakes(
  options: { textOnly?: boolean } = {},
): Promise<Record<UpstreamKind, FakeUpstream> & { close(): Promise<void> }> {
  // textOnly: a real CLI declares its own tools on every turn; answering those with get_weather would loop
  const handler = (k: UpstreamKind) =>
    options.textOnly
      ? (req: Recorded, res: ServerResponse) =>
          HANDLERS[k]({ ...req, json: req.json && { ...req.json, tools: undefined } }, res)
      : HANDLERS[k];
  const [c, o, x, g] = await Promise.all(
    (["claude", "openai", "codex", "gemini"] as const).map((k) => startFake(undefined, handler(k))),
  );
  return {
    claude: c,
    openai: o,
    codex: x,
    gemini: g,
    close: async () => void (await Promise.all([c, o, x, g].map((f) => f.close()))),
  };
}
