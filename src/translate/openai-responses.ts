/** OpenAI Responses requests ⇄ IR (translation.md §2). Responses and streams are in openai-responses-stream.ts. */
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
  type Tool,
  type ToolChoice,
} from "./ir.js";
import { normalizeSchema } from "./gemini-schema.js";
import { levelOf, REDACTED_PREFIX, signatureFor } from "./thinking.js";
import { isObject } from "../plain-object.js";

/** Reads a Responses request into IR. */
export function decodeResponsesRequest(body: Json): IrRequest {
  const system: string[] = typeof body.instructions === "string" && body.instructions !== "" ? [body.instructions] : [];
  const messages: Message[] = [];
  const names = new Map<string, string>();
  const push = (role: "user" | "assistant", parts: Part[]) => {
    const prev = messages[messages.length - 1];
    if (prev?.role === role) prev.parts.push(...parts);
    else messages.push({ role, parts });
  };
  const items =
    typeof body.input === "string" ? [{ type: "message", role: "user", content: body.input }] : arr(body.input);
  for (const it of items) {
    if (!isObject(it)) continue;
    const type = it.type ?? "message";
    if (type === "message") {
      const parts = decodeContent(it.content);
      if (it.role === "system" || it.role === "developer") system.push(contentText(parts));
      else push(it.role === "assistant" ? "assistant" : "user", parts);
    } else if (type === "function_call") {
      const id = str(it.call_id) ?? str(it.id) ?? "";
      names.set(id, str(it.name) ?? "");
      push("assistant", [{ type: "toolCall", id, name: str(it.name) ?? "", args: str(it.arguments) ?? "{}" }]);
    } else if (type === "function_call_output") {
      const callId = str(it.call_id) ?? "";
      const content = toolResultContent(it.output, decodeContent);
      push("user", [compact({ type: "toolResult" as const, callId, name: names.get(callId), content })]);
    } else if (type === "reasoning") {
      const part = decodeReasoning(it);
      if (part) push("assistant", [part]);
    }
  }
  const r = isObject(body.reasoning) ? body.reasoning : undefined;
  const fmt = isObject(body.text) && isObject(body.text.format) ? body.text.format : undefined;
  return compact({
    model: str(body.model) ?? "",
    system,
    messages,
    tools: arr(body.tools).flatMap(decodeTool),
    toolChoice: decodeChoice(body.tool_choice),
    parallelToolCalls: typeof body.parallel_tool_calls === "boolean" ? body.parallel_tool_calls : undefined,
    temperature: num(body.temperature),
    topP: num(body.top_p),
    maxOutputTokens: num(body.max_output_tokens),
    stop: [],
    reasoning: r && typeof r.effort === "string" ? compact({ level: r.effort, summary: str(r.summary) }) : undefined,
    responseFormat:
      fmt?.type === "json_schema"
        ? compact({
            kind: "json_schema" as const,
            name: str(fmt.name),
            schema: isObject(fmt.schema) ? fmt.schema : undefined,
            strict: fmt.strict === true ? true : undefined,
          })
        : fmt?.type === "json_object"
          ? { kind: "json_object" as const }
          : undefined,
    stream: body.stream === true,
    user: str(body.user) ?? str(body.safety_identifier),
    metadata: isObject(body.metadata) ? body.metadata : undefined,
  });
}

function decodeChoice(c: unknown): ToolChoice | undefined {
  if (c === "auto" || c === "none" || c === "required") return c;
  if (isObject(c) && typeof c.type === "string" && c.type.startsWith("web_search")) return { name: "web_search" };
  return isObject(c) && c.type === "function" && typeof c.name === "string" ? { name: c.name } : undefined;
}

function decodeTool(t: unknown): Tool[] {
  if (!isObject(t)) return [];
  if (t.type === "function" && typeof t.name === "string") {
    return [
      compact({ name: t.name, description: str(t.description), schema: isObject(t.parameters) ? t.parameters : {} }),
    ];
  }
  if (typeof t.type === "string" && t.type.startsWith("web_search")) {
    const domains = isObject(t.filters)
      ? arr(t.filters.allowed_domains).filter((d): d is string => typeof d === "string")
      : [];
    const webSearch = compact({
      allowedDomains: domains.length > 0 ? domains : undefined,
      userLocation: isObject(t.user_location) ? t.user_location : undefined,
    });
    return [{ name: "web_search", schema: {}, webSearch }];
  }
  return [];
}

/**
 * A reasoning item as a thinking part. `encrypted_content` is classified by its shape, not assumed to
 * be OpenAI's: a Responses client on a Claude model replays Claude's signature here, and Claude
 * answers 400 when a tool-use turn with thinking on comes back without its signed thinking block.
 * A signature-only item still becomes a (textless) thinking part, so it is not lost before the next turn.
 */
function decodeReasoning(it: Json): Part | undefined {
  const enc = str(it.encrypted_content);
  if (enc?.startsWith(REDACTED_PREFIX)) {
    const data = enc.slice(REDACTED_PREFIX.length);
    return data === "" ? undefined : { type: "thinking", text: data, redacted: true };
  }
  const texts = (key: string) =>
    arr(it[key])
      .map((s) => (isObject(s) ? (str(s.text) ?? "") : ""))
      .join("");
  const text = texts("summary") || texts("content");
  if (text === "" && !enc) return undefined;
  return compact({ type: "thinking" as const, text, signature: enc || undefined });
}

function decodeContent(content: unknown): Part[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return arr(content).flatMap((c): Part[] => {
    if (!isObject(c)) return [];
    if (c.type === "input_text" || c.type === "output_text" || c.type === "text")
      return [{ type: "text", text: str(c.text) ?? "" }];
    if (c.type === "input_image") {
      const url = str(c.image_url);
      const d = url ? parseDataUrl(url) : undefined;
      return [d ? { type: "image", mime: d.mime, data: d.data } : compact({ type: "image" as const, url })];
    }
    if (c.type === "input_file") {
      const d = typeof c.file_data === "string" ? parseDataUrl(c.file_data) : undefined;
      return [
        compact({
          type: "file" as const,
          mime: d?.mime,
          data: d ? d.data : str(c.file_data),
          url: str(c.file_url),
          fileId: str(c.file_id),
          filename: str(c.filename),
        }),
      ];
    }
    return [];
  });
}

/** Writes IR as a Responses request for `model`. */
export function encodeResponsesRequest(ir: IrRequest, model: string): Json {
  const input: Json[] = ir.system.map((text) => ({
    type: "message",
    role: "developer",
    content: [{ type: "input_text", text }],
  }));
  for (const m of ir.messages) {
    const content: Json[] = [];
    const flush = () => {
      if (content.length > 0) input.push({ type: "message", role: m.role, content: content.splice(0) });
    };
    for (const p of m.parts) {
      if (p.type === "text")
        content.push({ type: m.role === "assistant" ? "output_text" : "input_text", text: p.text });
      else if ((p.type === "image" || p.type === "file") && m.role === "user") content.push(encodeMedia(p));
      else if (p.type === "thinking") {
        // Only an OpenAI-issued encrypted_content can be replayed; anything else is dropped.
        const enc = p.redacted ? undefined : signatureFor("gpt", p.signature);
        if (enc) (flush(), input.push({ type: "reasoning", summary: [], encrypted_content: enc }));
      } else if (p.type === "toolCall")
        (flush(), input.push({ type: "function_call", call_id: p.id, name: p.name, arguments: p.args }));
      else if (p.type === "toolResult") {
        flush();
        const text = contentText(p.content);
        input.push({ type: "function_call_output", call_id: p.callId, output: p.isError ? `Error: ${text}` : text });
      }
    }
    flush();
  }
  const out: Json = { model, input };
  if (ir.tools.length > 0) out.tools = ir.tools.map(encodeTool);
  const c = ir.toolChoice;
  if (c !== undefined) out.tool_choice = typeof c === "string" ? c : encodeNamedChoice(ir.tools, c.name);
  if (ir.parallelToolCalls !== undefined) out.parallel_tool_calls = ir.parallelToolCalls;
  if (ir.maxOutputTokens !== undefined) out.max_output_tokens = ir.maxOutputTokens;
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  if (ir.topP !== undefined) out.top_p = ir.topP;
  const level = ir.reasoning && levelOf(ir.reasoning);
  if (level !== undefined)
    out.reasoning = { effort: level === "auto" ? "medium" : level, summary: ir.reasoning?.summary ?? "auto" };
  const f = ir.responseFormat;
  if (f?.kind === "json_schema")
    out.text = {
      format: compact({ type: "json_schema", name: f.name ?? "response", schema: f.schema, strict: f.strict }),
    };
  else if (f) out.text = { format: { type: f.kind } };
  if (ir.user !== undefined) out.user = ir.user;
  if (ir.metadata !== undefined) out.metadata = ir.metadata;
  if (ir.serviceTier !== undefined) out.service_tier = ir.serviceTier;
  out.stream = ir.stream;
  return out;
}

function encodeTool(t: Tool): Json {
  if (!t.webSearch)
    return compact({
      type: "function",
      name: t.name,
      description: t.description,
      parameters: normalizeSchema(t.schema, "lower"),
    });
  const { allowedDomains, userLocation } = t.webSearch;
  return compact({
    type: "web_search",
    filters: allowedDomains ? { allowed_domains: allowedDomains } : undefined,
    user_location: userLocation,
  });
}

// A choice naming the built-in search selects it by type; a function of the same name wins.
function encodeNamedChoice(tools: readonly Tool[], name: string): Json {
  const fn = tools.some((t) => t.name === name && !t.webSearch);
  return !fn && tools.some((t) => t.name === name && t.webSearch) ? { type: "web_search" } : { type: "function", name };
}

/** A file name for inline data without one: Codex rejects `input_file.file_data` that has no `filename`. */
export function defaultFilename(mime: string | undefined): string {
  const sub = (mime ?? "application/octet-stream").split("/")[1]?.split(/[;+]/)[0] ?? "bin";
  return `document.${sub === "octet-stream" ? "bin" : sub}`;
}

function encodeMedia(p: Extract<Part, { type: "image" | "file" }>): Json {
  const dataUrl = p.data !== undefined ? `data:${p.mime ?? "application/octet-stream"};base64,${p.data}` : undefined;
  if (p.type === "image") return compact({ type: "input_image", image_url: dataUrl ?? p.url, detail: "auto" });
  const filename = p.filename ?? (dataUrl ? defaultFilename(p.mime) : undefined);
  return compact({ type: "input_file", file_data: dataUrl, file_url: p.url, file_id: p.fileId, filename });
}
