/**
 * cliproxy's own input-token estimate, for count_tokens / countTokens when no credential for the
 * model has a counting endpoint (OpenAI-compatible and Codex upstreams have none). Claude and Gemini
 * upstreams always count for real; this is the documented fallback (README "Token counting").
 *
 * The rule, deliberately simple so a user can redo it by hand:
 *   ceil(characters ÷ 4) over everything the model reads — system text, message text, thinking text,
 *   tool-call names and arguments, tool results, and each tool's name, description and JSON schema —
 *   plus 3 tokens per message, 258 per image or file (Gemini's flat per-image count).
 * English prose and code run at roughly 4 characters per token in every current tokenizer, so the
 * estimate is usually within ±15 % for text; it is not a billing figure.
 */
import type { Format, Json, Part } from "./ir.js";
import { decodeAnthropicRequest } from "./anthropic.js";
import { decodeChatRequest } from "./openai-chat.js";
import { decodeGeminiRequest } from "./gemini.js";
import { decodeResponsesRequest } from "./openai-responses.js";

/** Characters per token the estimate assumes. */
export const CHARS_PER_TOKEN = 4;
/** Tokens added per message for role and framing. */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens counted for each image or file part. */
export const TOKENS_PER_MEDIA = 258;

const DECODE = {
  anthropic: decodeAnthropicRequest,
  "openai-chat": decodeChatRequest,
  "openai-responses": decodeResponsesRequest,
  gemini: decodeGeminiRequest,
} as const;

function partChars(p: Part): { chars: number; media: number } {
  switch (p.type) {
    case "text":
      return { chars: p.text.length, media: 0 };
    case "thinking":
      return { chars: p.redacted ? 0 : p.text.length, media: 0 };
    case "toolCall":
      return { chars: p.name.length + p.args.length, media: 0 };
    case "toolResult": {
      if (typeof p.content === "string") return { chars: p.content.length, media: 0 };
      return p.content
        .map(partChars)
        .reduce((a, b) => ({ chars: a.chars + b.chars, media: a.media + b.media }), { chars: 0, media: 0 });
    }
    default:
      return { chars: 0, media: 1 };
  }
}

/** Estimated input tokens of a client request in `dialect` (see the file comment for the rule). */
export function estimateInputTokens(dialect: Format, body: Json): number {
  const ir = DECODE[dialect](body);
  let chars = ir.system.reduce((n, s) => n + s.length, 0);
  let media = 0;
  for (const m of ir.messages) {
    for (const p of m.parts) {
      const c = partChars(p);
      chars += c.chars;
      media += c.media;
    }
  }
  for (const t of ir.tools) chars += t.name.length + (t.description?.length ?? 0) + JSON.stringify(t.schema).length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * ir.messages.length + TOKENS_PER_MEDIA * media;
}
