/**
 * Drives cliproxy with the official SDKs (openai, @anthropic-ai/sdk, @google/genai), one function per
 * client dialect, and reduces every answer to the same small shape so one table of tests can assert
 * on all of them. Streams go through each SDK's own stream helper (ChatCompletionStream,
 * ResponseStream, MessageStream) where it has one: those validate the event order, not just the JSON.
 */
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { ApiError, GoogleGenAI, type GenerateContentResponse } from "@google/genai";

/** The client dialects the suite drives. */
export type ClientKind = "openai-chat" | "openai-responses" | "anthropic" | "gemini";

/** What every driver returns: text, thinking, tool calls with parsed arguments, and the raw stop reason. */
export interface Outcome {
  text: string;
  thinking: string;
  calls: Array<{ name: string; args: unknown; id?: string }>;
  finish: string | null | undefined;
  usage: { input?: number | null; output?: number | null };
}

/** One request to drive: which model, whether to stream, whether to declare the weather tool. */
export interface Drive {
  base: string;
  apiKey: string;
  model: string;
  stream: boolean;
  tools: boolean;
}

const PROMPT = "What is the weather in Paris?";
const CITY_SCHEMA = {
  type: "object" as const,
  properties: { city: { type: "string", description: "City name" } },
  required: ["city"],
};

async function openaiChat(d: Drive): Promise<Outcome> {
  const client = new OpenAI({ apiKey: d.apiKey, baseURL: `${d.base}/v1`, maxRetries: 0 });
  const params = {
    model: d.model,
    messages: [
      { role: "system" as const, content: "Be brief." },
      { role: "user" as const, content: PROMPT },
    ],
    ...(d.tools
      ? {
          tools: [
            {
              type: "function" as const,
              function: { name: "get_weather", description: "Weather by city", parameters: CITY_SCHEMA },
            },
          ],
        }
      : {}),
  };
  const c = d.stream
    ? await client.chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion()
    : await client.chat.completions.create(params);
  const choice = c.choices[0];
  const m = choice.message as typeof choice.message & { reasoning_content?: string };
  return {
    text: m.content ?? "",
    thinking: m.reasoning_content ?? "",
    calls: (m.tool_calls ?? []).map((t) =>
      t.type === "function"
        ? { id: t.id, name: t.function.name, args: JSON.parse(t.function.arguments) }
        : { name: t.type, args: null },
    ),
    finish: choice.finish_reason,
    usage: { input: c.usage?.prompt_tokens, output: c.usage?.completion_tokens },
  };
}

async function openaiResponses(d: Drive): Promise<Outcome> {
  const client = new OpenAI({ apiKey: d.apiKey, baseURL: `${d.base}/v1`, maxRetries: 0 });
  const params = {
    model: d.model,
    instructions: "Be brief.",
    input: PROMPT,
    ...(d.tools
      ? {
          tools: [
            {
              type: "function" as const,
              name: "get_weather",
              description: "Weather by city",
              parameters: CITY_SCHEMA,
              strict: false,
            },
          ],
        }
      : {}),
  };
  const r = d.stream ? await client.responses.stream(params).finalResponse() : await client.responses.create(params);
  const out: Outcome = {
    text: r.output_text,
    thinking: "",
    calls: [],
    finish: r.status,
    usage: { input: r.usage?.input_tokens, output: r.usage?.output_tokens },
  };
  for (const item of r.output) {
    if (item.type === "reasoning") out.thinking += item.summary.map((s) => s.text).join("");
    if (item.type === "function_call")
      out.calls.push({ id: item.call_id, name: item.name, args: JSON.parse(item.arguments) });
  }
  return out;
}

async function anthropic(d: Drive): Promise<Outcome> {
  const client = new Anthropic({ apiKey: d.apiKey, baseURL: d.base, maxRetries: 0 });
  const params = {
    model: d.model,
    max_tokens: 1024,
    system: "Be brief.",
    messages: [{ role: "user" as const, content: PROMPT }],
    ...(d.tools ? { tools: [{ name: "get_weather", description: "Weather by city", input_schema: CITY_SCHEMA }] } : {}),
  };
  const m = d.stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
  const out: Outcome = {
    text: "",
    thinking: "",
    calls: [],
    finish: m.stop_reason,
    usage: { input: m.usage.input_tokens, output: m.usage.output_tokens },
  };
  for (const b of m.content) {
    if (b.type === "text") out.text += b.text;
    if (b.type === "thinking") out.thinking += b.thinking;
    if (b.type === "tool_use") out.calls.push({ id: b.id, name: b.name, args: b.input });
  }
  return out;
}

async function gemini(d: Drive): Promise<Outcome> {
  const ai = new GoogleGenAI({ apiKey: d.apiKey, httpOptions: { baseUrl: d.base, apiVersion: "v1beta" } });
  const params = {
    model: d.model,
    contents: PROMPT,
    config: {
      systemInstruction: "Be brief.",
      ...(d.tools
        ? {
            tools: [
              {
                functionDeclarations: [
                  { name: "get_weather", description: "Weather by city", parametersJsonSchema: CITY_SCHEMA },
                ],
              },
            ],
          }
        : {}),
    },
  };
  const chunks: GenerateContentResponse[] = d.stream ? [] : [await ai.models.generateContent(params)];
  if (d.stream) for await (const c of await ai.models.generateContentStream(params)) chunks.push(c);
  const out: Outcome = { text: "", thinking: "", calls: [], finish: undefined, usage: {} };
  for (const c of chunks) {
    const cand = c.candidates?.[0];
    for (const p of cand?.content?.parts ?? []) {
      if (p.functionCall)
        out.calls.push({ id: p.functionCall.id, name: p.functionCall.name ?? "", args: p.functionCall.args });
      else if (p.thought && p.text) out.thinking += p.text;
      else if (p.text) out.text += p.text;
    }
    if (cand?.finishReason) out.finish = cand.finishReason;
    if (c.usageMetadata)
      out.usage = { input: c.usageMetadata.promptTokenCount, output: c.usageMetadata.candidatesTokenCount };
  }
  return out;
}

/** The driver per client dialect. */
export const DRIVERS: Readonly<Record<ClientKind, (d: Drive) => Promise<Outcome>>> = {
  "openai-chat": openaiChat,
  "openai-responses": openaiResponses,
  anthropic,
  gemini,
};

/** Each SDK's own error class for a 429, so a test can check the answer was parsed as the SDK's typed error. */
export const RATE_LIMIT_ERROR: Readonly<Record<ClientKind, new (...args: never[]) => Error>> = {
  "openai-chat": OpenAI.RateLimitError,
  "openai-responses": OpenAI.RateLimitError,
  anthropic: Anthropic.RateLimitError,
  gemini: ApiError,
};

/** The stop reason each client dialect reports for a plain text answer and for a tool call. */
export const EXPECTED_FINISH: Readonly<Record<ClientKind, { text: string; tool: string }>> = {
  "openai-chat": { text: "stop", tool: "tool_calls" },
  "openai-responses": { text: "completed", tool: "completed" },
  anthropic: { text: "end_turn", tool: "tool_use" },
  gemini: { text: "STOP", tool: "STOP" },
};
