/** Server-sent events, written. */
import type { SseEvent } from "./read.js";

/** Response headers for an event stream; no-cache keeps proxies from holding events back. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
});

/** Serialises one event; each line of `data` becomes its own `data:` line, as the format requires. */
export function formatEvent(e: SseEvent): string {
  let out = "";
  if (e.event !== undefined && e.event !== "") out += `event: ${oneLine(e.event)}\n`;
  if (e.id !== undefined) out += `id: ${oneLine(e.id)}\n`;
  if (e.retry !== undefined) out += `retry: ${Math.max(0, Math.trunc(e.retry))}\n`;
  // One line (any JSON.stringify output) needs no split (#17: the split's regex showed in stream profiles).
  if (!e.data.includes("\n") && !e.data.includes("\r")) out += `data: ${e.data}\n`;
  else for (const line of e.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

/** Serialises a comment, e.g. a keep-alive that stops idle connections being cut. */
export function formatComment(text: string): string {
  return (
    text
      .split(/\r\n|\r|\n/)
      .map((line) => `: ${line}\n`)
      .join("") + "\n"
  );
}

// A newline inside a field name's value would start a new field: an injection, so it is cut.
function oneLine(value: string): string {
  return value.replace(/[\r\n]/g, "");
}
