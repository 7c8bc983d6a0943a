/** amp.md §7's provider fake F (claude-sonnet-4-5, gpt-5.2, gemini-2.5-pro) and the config that points cliproxy at it. */
import type { ServerResponse } from "node:http";
import { sendJson, type FakeHandler } from "../support/fake-upstream.js";
import { DEFAULT_AMP, providerKey, type AmpConfig, type Config } from "../../src/config/schema.js";

/** F's default answers, one per upstream dialect. */
export const answerF: FakeHandler = (req, res) => {
  if (req.url.startsWith("/v1/messages")) {
    if (req.json?.stream)
      return sse(res, [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[]}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ]);
    return sendJson(res, 200, {
      id: "m",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [{ type: "text", text: "hi" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 1, output_tokens: 1 },
    });
  }
  if (req.url.startsWith("/v1/chat/completions")) {
    return sendJson(res, 200, {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "gpt-5.2-2025",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  }
  if (req.url.includes(":streamGenerateContent")) {
    return sse(res, [
      'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"a"}]},"index":0}],"modelVersion":"gemini-2.5-pro"}\r\n\r\n',
      'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"b"}]},"finishReason":"STOP","index":0}],"modelVersion":"gemini-2.5-pro"}\r\n\r\n',
    ]);
  }
  if (req.url.includes(":generateContent")) {
    return sendJson(res, 200, {
      candidates: [{ content: { role: "model", parts: [{ text: "hi" }] }, finishReason: "STOP", index: 0 }],
      modelVersion: "gemini-2.5-pro",
    });
  }
  sendJson(res, 404, { error: "unexpected" });
};

/** Writes an SSE answer from complete event texts. */
export function sse(res: ServerResponse, events: string[]): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) res.write(e);
  res.end();
}

/** Config for §7's common setup: providers at F, Amp upstream A with key amp-default. */
export function routingConfig(
  F: string,
  A: string,
  amp: Partial<AmpConfig> = {},
): Partial<Config> & { ampcode: AmpConfig } {
  return {
    apiKeys: ["ck-1", "ck-2"],
    claudeApiKey: [
      providerKey("sk-ant-fake-000001", { baseUrl: F, models: [{ name: "claude-sonnet-4-5", alias: "" }] }),
    ],
    geminiApiKey: [providerKey("AIza-fake-000002", { baseUrl: F, models: [{ name: "gemini-2.5-pro", alias: "" }] })],
    openaiCompatibility: [
      {
        name: "fcompat",
        baseUrl: `${F}/v1`,
        apiKeyEntries: [{ apiKey: "sk-compat-000003", proxyUrl: "" }],
        models: [{ name: "gpt-5.2", alias: "" }],
        prefix: "",
        priority: 0,
        headers: {},
        disableCooling: false,
      },
    ],
    ampcode: { ...DEFAULT_AMP, upstreamUrl: A, upstreamApiKey: "amp-default", ...amp },
  };
}
