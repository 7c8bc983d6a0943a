/** OpenAI Chat Completions requests ⇄ IR (translation.md §2). Responses and streams are in openai-chat-stream.ts. */
import {
  arr,
  compact,
  contentText,
  num,
  parseDataUrl,
  str,
  toolResultContent,
  type IrRequest,
  type Json,
  type Message,
  type Part,
  type ResponseFormat,
  type ToolChoice,
} from "./ir.js";
import { normalizeSchema } from "./gemini-schema.js";
import { classifySignature, levelOf, signatureFor } from "./thinking.js";
import { isObject } from "../plain-object.js";

const AUDIO_MIME: Readonly<Record<string, string>> = { mp3: "audio/mpeg", wav: "audio/wav", pcm16: "audio/pcm" };

/** Reads a Chat Completions request into IR. */
export function decodeChatRequest(body: Json): IrRequest {
  const system: string[] = [];
  const messages: Message[] = [];
  const names = new Map<string, string>();
  for (const m of arr(body.messages)) {
    if (!isObject(m)) continue;
    if (m.role === "system" || m.role === "developer") {
      const text = typeof m.content === "string" ? m.content : contentText(decodeContent(m.content));
      if (text !== "") system.push(text);
    } else if (m.role === "assistant") {
      messages.push({ role: "assistant", parts: decodeAssistant(m, names) });
    } else if (m.role === "tool" || m.role === "function") {
      const callId = str(m.tool_call_id) ?? str(m.name) ?? "";
      const content = toolResultContent(m.content, decodeContent);
      const part: Part = compact({
        type: "toolResult" as const,
        callId,
        name: names.get(callId) ?? str(m.name),
        content,
      });
      const prev = messages[messages.length - 1];
      // Consecutive tool messages answer one assistant turn: keep them in one user turn.
      if (prev?.role === "user" && prev.parts.every((p) => p.type === "toolResult")) prev.parts.push(part);
      else messages.push({ role: "user", parts: [part] });
    } else {
      messages.push({ role: "user", parts: decodeContent(m.content) });
    }
  }
  const so = isObject(body.stream_options) ? body.stream_options : undefined;
  const stop =
    typeof body.stop === "string" ? [body.stop] : arr(body.stop).filter((s): s is string => typeof s === "string");
  return compact({
    model: str(body.model) ?? "",
    system,
    messages,
    tools: arr(body.tools).flatMap((t) => {
      const f = isObject(t) && isObject(t.function) ? t.function : undefined;
      return f && typeof f.name === "string"
        ? [
            compact({
              name: f.name,
              description: str(f.description),
              schema: isObject(f.parameters)
                ? f.parameters
                : isObject(f.parametersJsonSchema)
                  ? f.parametersJsonSchema
                  : {},
            }),
          ]
        : [];
    }),
    toolChoice: decodeChoice(body.tool_choice),
    parallelToolCalls: typeof body.parallel_tool_calls === "boolean" ? body.parallel_tool_calls : undefined,
    temperature: num(body.temperature),
    topP: num(body.top_p),
    maxOutputTokens: num(body.max_tokens) ?? num(body.max_completion_tokens), // both given: max_tokens, as CLIProxyAPI reads them
    stop,
    n: num(body.n),
    seed: num(body.seed),
    reasoning: typeof body.reasoning_effort === "string" ? { level: body.reasoning_effort } : undefined,
    responseFormat: decodeFormat(body.response_format),
    stream: body.stream === true,
    includeUsage: so?.include_usage === true ? true : undefined,
    user:
      str(body.user) ??
      str(body.safety_identifier) ??
      (isObject(body.metadata) ? str(body.metadata.user_id) : undefined),
    metadata: isObject(body.metadata) ? body.metadata : undefined,
  });
}

function decodeChoice(c: unknown): ToolChoice | undefined {
  if (c === "auto" || c === "none" || c === "required") return c;
  if (isObject(c) && isObject(c.function) && typeof c.function.name === "string") return { name: c.function.name };
  return undefined;
}

function decodeFormat(f: unknown): ResponseFormat | undefined {
  if (!isObject(f)) return undefined;
  if (f.type === "json_object" || f.type === "text") return { kind: f.type };
  if (f.type !== "json_schema" || !isObject(f.json_schema)) return undefined;
  const js = f.json_schema;
  return compact({
    kind: "json_schema" as const,
    name: str(js.name),
    schema: isObject(js.schema) ? js.schema : undefined,
    strict: js.strict === true ? true : undefined,
  });
}

function decodeAssistant(m: Json, names: Map<string, string>): Part[] {
  const parts: Part[] = [];
  const reasoning = typeof m.reasoning_content === "string" ? m.reasoning_content : undefined;
  if (reasoning) parts.push({ type: "thinking", text: reasoning });
  parts.push(...decodeContent(m.content));
  for (const c of arr(m.tool_calls)) {
    if (!isObject(c) || !isObject(c.function)) continue;
    const id = str(c.id) ?? "";
    const name = str(c.function.name) ?? "";
    names.set(id, name);
    const extra =
      isObject(c.extra_content) && isObject(c.extra_content.google)
        ? str(c.extra_content.google.thought_signature)
        : undefined;
    const args = c.function.arguments;
    parts.push(
      compact({
        type: "toolCall" as const,
        id,
        name,
        args: typeof args === "string" ? args : JSON.stringify(args ?? {}),
        signature: extra && `gemini#${extra}`,
      }),
    );
  }
  return parts;
}

function decodeContent(content: unknown): Part[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return arr(content).flatMap((c): Part[] => {
    if (!isObject(c)) return [];
    if (c.type === "text" || c.type === "refusal") return [{ type: "text", text: str(c.text) ?? str(c.refusal) ?? "" }];
    if (c.type === "image_url") {
      const url = isObject(c.image_url) ? str(c.image_url.url) : str(c.image_url);
      if (url === undefined) return [];
      const d = parseDataUrl(url);
      return [d ? { type: "image", mime: d.mime, data: d.data } : { type: "image", url }];
    }
    if (c.type === "file" && isObject(c.file)) {
      const d = typeof c.file.file_data === "string" ? parseDataUrl(c.file.file_data) : undefined;
      return [
        compact({
          type: "file" as const,
          mime: d?.mime,
          data: d ? d.data : str(c.file.file_data),
          fileId: str(c.file.file_id),
          filename: str(c.file.filename),
        }),
      ];
    }
    if (c.type === "video_url") {
      const url = isObject(c.video_url) ? str(c.video_url.url) : str(c.video_url);
      const d = url === undefined ? undefined : parseDataUrl(url);
      return d ? [{ type: "file", mime: d.mime, data: d.data }] : url ? [{ type: "file", url, mime: "video/mp4" }] : [];
    }
    if (c.type === "input_audio" && isObject(c.input_audio)) {
      const format = str(c.input_audio.format) ?? "wav";
      return [{ type: "file", mime: AUDIO_MIME[format] ?? `audio/${format}`, data: str(c.input_audio.data) }];
    }
    return [];
  });
}

/** Writes IR as a Chat Completions request for `model`; `stopAsString` sends a single stop as a string. */
export function encodeChatRequest(ir: IrRequest, model: string, stopAsString = false): Json {
  const messages: Json[] = ir.system.map((content) => ({ role: "system", content }));
  for (const m of ir.messages) {
    if (m.role === "assistant") {
      const msg = encodeAssistant(m.parts);
      if (msg) messages.push(msg);
      continue;
    }
    // Chat wants each tool message right after the assistant turn that made the call.
    for (const p of m.parts) {
      if (p.type !== "toolResult") continue;
      const text = contentText(p.content);
      const rich = typeof p.content !== "string" && p.content.some((c) => c.type === "image");
      const content = rich && !p.isError ? encodeUserContent(p.content as Part[]) : p.isError ? `Error: ${text}` : text;
      messages.push({ role: "tool", tool_call_id: p.callId, content });
    }
    const content = encodeUserContent(m.parts.filter((p) => p.type !== "toolResult"));
    if (content.length > 0) messages.push({ role: "user", content });
  }
  const out: Json = { model, messages };
  if (ir.tools.some((t) => !t.webSearch)) {
    out.tools = ir.tools
      .filter((t) => !t.webSearch)
      .map((t) => ({
        type: "function",
        function: compact({ name: t.name, description: t.description, parameters: normalizeSchema(t.schema, "lower") }),
      }));
  }
  const c = ir.toolChoice;
  if (c !== undefined) out.tool_choice = typeof c === "string" ? c : { type: "function", function: { name: c.name } };
  if (ir.parallelToolCalls === false) out.parallel_tool_calls = false;
  if (ir.maxOutputTokens !== undefined) out.max_tokens = ir.maxOutputTokens;
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  if (ir.topP !== undefined) out.top_p = ir.topP;
  if (ir.stop.length > 0) out.stop = stopAsString && ir.stop.length === 1 ? ir.stop[0] : ir.stop;
  if (ir.n !== undefined) out.n = ir.n;
  if (ir.seed !== undefined) out.seed = ir.seed;
  const level = ir.reasoning && levelOf(ir.reasoning);
  if (level !== undefined) out.reasoning_effort = level === "auto" ? "medium" : level;
  const f = ir.responseFormat;
  if (f?.kind === "json_schema")
    out.response_format = {
      type: "json_schema",
      json_schema: compact({ name: f.name ?? "response", schema: f.schema, strict: f.strict }),
    };
  else if (f) out.response_format = { type: f.kind };
  if (ir.user !== undefined) out.user = ir.user;
  out.stream = ir.stream;
  if (ir.stream) out.stream_options = { include_usage: true }; // needed to report usage at all
  return out;
}

function encodeAssistant(parts: Part[]): Json | undefined {
  const texts = parts.flatMap((p) => (p.type === "text" && p.text !== "" ? [p.text] : []));
  // Thinking is replayed only with an OpenAI-issued signature: Claude's or Gemini's thoughts, or unsigned
  // ones, are another model's state, which an OpenAI-compatible server would read as its own.
  const thinking = parts
    .flatMap((p) => (p.type === "thinking" && !p.redacted && signatureFor("gpt", p.signature) ? [p.text] : []))
    .join("");
  const calls = parts.flatMap((p): Json[] => {
    if (p.type !== "toolCall") return [];
    const call: Json = { id: p.id, type: "function", function: { name: p.name, arguments: p.args } };
    const sig = p.signature && classifySignature(p.signature);
    if (sig && sig.origin === "gemini") call.extra_content = { google: { thought_signature: sig.value } };
    return [call];
  });
  if (texts.length === 0 && calls.length === 0 && thinking === "") return undefined;
  // Separate text blocks stay separate parts ("pre" and "post" are not "prepost").
  const content =
    texts.length === 0 ? null : texts.length === 1 ? texts[0] : texts.map((text) => ({ type: "text", text }));
  const msg: Json = { role: "assistant", content };
  if (thinking !== "") msg.reasoning_content = thinking;
  if (calls.length > 0) msg.tool_calls = calls;
  return msg;
}

function encodeUserContent(parts: Part[]): Json[] {
  return parts.flatMap((p): Json[] => {
    if (p.type === "text") return [{ type: "text", text: p.text }];
    if (p.type === "image") {
      const url = p.data !== undefined ? `data:${p.mime ?? "image/png"};base64,${p.data}` : p.url;
      return url ? [{ type: "image_url", image_url: { url } }] : [];
    }
    if (p.type === "file") {
      const file_data =
        p.data !== undefined ? `data:${p.mime ?? "application/octet-stream"};base64,${p.data}` : undefined;
      return [{ type: "file", file: compact({ file_data, file_id: p.fileId, filename: p.filename }) }];
    }
    return [];
  });
}
