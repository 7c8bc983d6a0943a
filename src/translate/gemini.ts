/** Gemini generateContent requests ⇄ IR (translation.md §2). Responses and streams are in gemini-stream.ts. */
import {
  argsObject,
  arr,
  compact,
  contentText,
  newId,
  num,
  str,
  type Ctx,
  type IrRequest,
  type Json,
  type Message,
  type Part,
  type ToolChoice,
} from "./ir.js";
import { cleanGeminiSchema } from "./gemini-schema.js";
import { GEMINI_SKIP_SIGNATURE, levelOf, signatureFor } from "./thinking.js";
import { fitGeminiReasoning } from "./model-thinking.js";
import { isObject } from "../plain-object.js";

/** Added when the client sent none: Gemini's defaults block too much for coding tools (translation.md §2.2). */
export const DEFAULT_SAFETY_SETTINGS: readonly Json[] = [
  ...["HARASSMENT", "HATE_SPEECH", "SEXUALLY_EXPLICIT", "DANGEROUS_CONTENT"].map((c) => ({
    category: `HARM_CATEGORY_${c}`,
    threshold: "OFF",
  })),
  { category: "HARM_CATEGORY_CIVIC_INTEGRITY", threshold: "BLOCK_NONE" },
];

/** A tool name Gemini accepts ([a-zA-Z0-9_.:-], leading letter or _, ≤64); valid names pass unchanged. */
export function geminiToolName(name: string): string {
  let n = name.replace(/[^a-zA-Z0-9_.:-]/g, "_");
  if (!/^[a-zA-Z_]/.test(n)) n = `_${n}`;
  return n.slice(0, 64);
}

/**
 * Maps a Gemini-side tool name back to the name the client declared (translation.md S40: declared `my tool/v2` goes up
 * as `my_tool_v2`).
 */
export function clientToolName(name: string, ctx: Ctx): string {
  const tools = arr(ctx.clientRequest?.tools);
  for (const t of tools) {
    if (!isObject(t)) continue;
    const names = [
      str(t.name),
      isObject(t.function) ? str(t.function.name) : undefined,
      ...arr(t.functionDeclarations ?? t.function_declarations).map((d) => (isObject(d) ? str(d.name) : undefined)),
    ];
    for (const n of names) if (n !== undefined && n !== name && geminiToolName(n) === name) return n;
  }
  return name;
}

// Gemini accepts camelCase and snake_case keys alike.
function pick(o: Json, camel: string, snake: string): unknown {
  return o[camel] ?? o[snake];
}

/** Reads a generateContent request into IR. */
export function decodeGeminiRequest(body: Json): IrRequest {
  const sys = pick(body, "systemInstruction", "system_instruction");
  const system = arr(isObject(sys) ? sys.parts : undefined).flatMap((p) =>
    isObject(p) && typeof p.text === "string" ? [p.text] : [],
  );
  const messages: Message[] = [];
  let pending: Array<{ id: string; name: string }> = []; // calls of the last model turn awaiting responses
  for (const c of arr(body.contents)) {
    if (!isObject(c)) continue;
    const role = c.role === "model" ? "assistant" : "user";
    const parts: Part[] = [];
    if (role === "assistant") pending = [];
    for (const p of arr(c.parts)) if (isObject(p)) parts.push(...decodePart(p, role, pending));
    messages.push({ role, parts });
  }
  const tc = pick(body, "toolConfig", "tool_config");
  const fcc = isObject(tc) ? pick(tc, "functionCallingConfig", "function_calling_config") : undefined;
  const gc = isObject(body.generationConfig)
    ? body.generationConfig
    : isObject(body.generation_config)
      ? body.generation_config
      : {};
  const think = pick(gc, "thinkingConfig", "thinking_config");
  const mime = str(pick(gc, "responseMimeType", "response_mime_type"));
  const schema =
    pick(gc, "responseJsonSchema", "response_json_schema") ?? pick(gc, "responseSchema", "response_schema");
  return compact({
    model: str(body.model) ?? "",
    system,
    messages,
    tools: arr(body.tools)
      .flatMap((t) => arr(isObject(t) ? pick(t, "functionDeclarations", "function_declarations") : undefined))
      .flatMap((d) =>
        isObject(d) && typeof d.name === "string"
          ? [
              compact({
                name: d.name,
                description: str(d.description),
                schema: (isObject(d.parametersJsonSchema)
                  ? d.parametersJsonSchema
                  : isObject(d.parameters)
                    ? d.parameters
                    : {}) as Json,
              }),
            ]
          : [],
      ),
    toolChoice: isObject(fcc) ? decodeChoice(fcc) : undefined,
    temperature: num(gc.temperature),
    topP: num(pick(gc, "topP", "top_p")),
    topK: num(pick(gc, "topK", "top_k")),
    maxOutputTokens: num(pick(gc, "maxOutputTokens", "max_output_tokens")),
    stop: arr(pick(gc, "stopSequences", "stop_sequences")).filter((s): s is string => typeof s === "string"),
    n: num(pick(gc, "candidateCount", "candidate_count")),
    seed: num(gc.seed),
    reasoning: isObject(think)
      ? compact({
          level: str(pick(think, "thinkingLevel", "thinking_level"))?.toLowerCase(),
          budget: num(pick(think, "thinkingBudget", "thinking_budget")),
          includeThoughts:
            typeof pick(think, "includeThoughts", "include_thoughts") === "boolean"
              ? (pick(think, "includeThoughts", "include_thoughts") as boolean)
              : undefined,
        })
      : undefined,
    responseFormat:
      mime === "application/json"
        ? isObject(schema)
          ? { kind: "json_schema" as const, schema }
          : { kind: "json_object" as const }
        : undefined,
    stream: false, // Gemini says "stream" in the method name, not the body
  });
}

function decodeChoice(f: Json): ToolChoice | undefined {
  const mode = str(f.mode)?.toUpperCase();
  const allowed = arr(pick(f, "allowedFunctionNames", "allowed_function_names"));
  if (mode === "ANY" && allowed.length === 1 && typeof allowed[0] === "string") return { name: allowed[0] };
  return mode === "AUTO" ? "auto" : mode === "NONE" ? "none" : mode === "ANY" ? "required" : undefined;
}

function decodePart(p: Json, role: "user" | "assistant", pending: Array<{ id: string; name: string }>): Part[] {
  const sig = str(pick(p, "thoughtSignature", "thought_signature"));
  const signature = sig && `gemini#${sig}`;
  const fc = pick(p, "functionCall", "function_call");
  if (isObject(fc)) {
    const call = { id: str(fc.id) ?? newId("call_"), name: str(fc.name) ?? "" };
    pending.push(call);
    return [compact({ type: "toolCall" as const, ...call, args: JSON.stringify(fc.args ?? {}), signature })];
  }
  const fr = pick(p, "functionResponse", "function_response");
  if (isObject(fr)) {
    // Pair by id when both sides have one, else by order within the turn (translation.md §2.4).
    const byId = str(fr.id) !== undefined ? pending.findIndex((c) => c.id === fr.id) : -1;
    const i =
      byId >= 0
        ? byId
        : Math.max(
            0,
            pending.findIndex((c) => c.name === fr.name),
          );
    const call = pending.splice(i, 1)[0] ?? { id: str(fr.id) ?? newId("call_"), name: str(fr.name) ?? "" };
    const resp = isObject(fr.response) ? fr.response : {};
    const isError = resp.error !== undefined && Object.keys(resp).length === 1;
    const value = isError
      ? resp.error
      : Object.keys(resp).length === 1 && typeof resp.result === "string"
        ? resp.result
        : resp;
    return [
      compact({
        type: "toolResult" as const,
        callId: call.id,
        name: str(fr.name) || call.name,
        content: typeof value === "string" ? value : JSON.stringify(value),
        isError: isError || undefined,
      }),
    ];
  }
  const inline = pick(p, "inlineData", "inline_data");
  if (isObject(inline)) {
    const mime = str(pick(inline, "mimeType", "mime_type")) ?? "application/octet-stream";
    return [{ type: mime.startsWith("image/") ? "image" : "file", mime, data: str(inline.data) }];
  }
  const file = pick(p, "fileData", "file_data");
  if (isObject(file)) {
    const mime = str(pick(file, "mimeType", "mime_type"));
    return [
      compact({
        type: mime?.startsWith("image/") ? ("image" as const) : ("file" as const),
        mime,
        url: str(pick(file, "fileUri", "file_uri")),
      }),
    ];
  }
  if (typeof p.text !== "string") return signature ? [{ type: "thinking", text: "", signature }] : [];
  if (p.thought === true) return [compact({ type: "thinking" as const, text: p.text, signature })];
  const text: Part = { type: "text", text: p.text };
  return signature && role === "assistant" ? [{ type: "thinking", text: "", signature }, text] : [text];
}

/** Writes IR as a generateContent request for `model`. */
export function encodeGeminiRequest(ir: IrRequest, model: string): Json {
  const contents: Json[] = [];
  for (const m of ir.messages) {
    const parts = m.parts.flatMap((p) => encodePart(p, m.role));
    if (parts.length === 0) continue;
    const role = m.role === "assistant" ? "model" : "user";
    const prev = contents[contents.length - 1];
    if (prev?.role === role) (prev.parts as Json[]).push(...parts);
    else contents.push({ role, parts });
  }
  // Gemini answers a history ending in unanswered calls with empty output, and has no assistant prefill:
  // a trailing model turn (a client's prefill) is left out.
  while (contents.length > 1 && contents[contents.length - 1].role === "model") contents.pop();
  // Gemini rejects a history that opens with the model's turn (a Responses replay can): an empty user turn leads.
  if (contents[0]?.role === "model") contents.unshift({ role: "user", parts: [{ text: "" }] });
  const out: Json = { model, contents };
  if (ir.system.length > 0) out.systemInstruction = { parts: ir.system.map((text) => ({ text })) };
  const fns = ir.tools.filter((t) => !t.webSearch);
  if (ir.tools.some((t) => t.webSearch)) out.tools = [{ googleSearch: {} }];
  if (fns.length > 0) {
    out.tools = [
      ...arr(out.tools),
      {
        functionDeclarations: fns.map((t) =>
          compact({
            name: geminiToolName(t.name),
            description: t.description,
            parametersJsonSchema: cleanGeminiSchema(t.schema),
          }),
        ),
      },
    ];
  }
  const c = ir.toolChoice;
  if (c !== undefined) {
    out.toolConfig = {
      functionCallingConfig:
        typeof c === "string"
          ? { mode: c === "auto" ? "AUTO" : c === "none" ? "NONE" : "ANY" }
          : { mode: "ANY", allowedFunctionNames: [geminiToolName(c.name)] },
    };
  }
  const gc: Json = compact({
    temperature: ir.temperature,
    topP: ir.topP,
    topK: ir.topK,
    maxOutputTokens: ir.maxOutputTokens,
    stopSequences: ir.stop.length > 0 ? ir.stop : undefined,
    candidateCount: ir.n,
    seed: ir.seed,
  });
  const f = ir.responseFormat;
  if (f && f.kind !== "text") {
    gc.responseMimeType = "application/json";
    if (f.schema) gc.responseJsonSchema = cleanGeminiSchema(f.schema);
  }
  const thinking = encodeThinking(ir, model);
  if (thinking) gc.thinkingConfig = thinking;
  if (Object.keys(gc).length > 0) out.generationConfig = gc;
  out.safetySettings = DEFAULT_SAFETY_SETTINGS.map((s) => ({ ...s }));
  return out;
}

function encodeThinking(ir: IrRequest, model: string): Json | undefined {
  if (!ir.reasoning) return undefined;
  const r = fitGeminiReasoning(ir.reasoning, model);
  const level = levelOf(r);
  if (level === "none") return { thinkingBudget: 0, includeThoughts: false };
  if (level === "auto") return { thinkingBudget: -1, includeThoughts: true };
  // Budgets stay budgets and levels stay levels; Gemini must never get both.
  if (r.budget !== undefined) return { thinkingBudget: r.budget, includeThoughts: r.includeThoughts ?? r.budget > 0 };
  return level === undefined ? undefined : { thinkingLevel: level, includeThoughts: r.includeThoughts ?? true };
}

function encodePart(p: Part, role: "user" | "assistant"): Json[] {
  switch (p.type) {
    case "text":
      return p.text === "" ? [] : [{ text: p.text }];
    case "image":
    case "file":
      if (p.data !== undefined)
        return [{ inlineData: { mimeType: p.mime ?? "application/octet-stream", data: p.data } }];
      return p.url ? [{ fileData: compact({ mimeType: p.mime, fileUri: p.url }) }] : [];
    case "thinking": {
      if (role !== "assistant" || p.redacted || p.text === "") return [];
      return [
        { text: p.text, thought: true, thoughtSignature: signatureFor("gemini", p.signature) ?? GEMINI_SKIP_SIGNATURE },
      ];
    }
    case "toolCall":
      // Gemini rejects history calls without a signature; the sentinel is its documented bypass.
      return [
        {
          functionCall: { name: geminiToolName(p.name), args: argsObject(p.args) },
          thoughtSignature: signatureFor("gemini", p.signature) ?? GEMINI_SKIP_SIGNATURE,
        },
      ];
    case "toolResult": {
      const text = contentText(p.content);
      return [
        {
          functionResponse: {
            name: geminiToolName(p.name ?? p.callId),
            response: p.isError ? { error: text } : { result: text },
          },
        },
      ];
    }
  }
}
