/**
 * Edits top-level members of a JSON object body without re-serialising the rest: a passthrough
 * request whose `model` must change keeps every other byte as the client sent it (JSON.parse +
 * JSON.stringify would re-round integers such as 12345678901234567890 in tool inputs).
 */
import { objectMembers, skipWs } from "../proxy/json-scan.js";

/** Where one top-level member sits in the text: [start, end) covers the key through the value. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/** Edits to apply: `set` values are JSON-serialised; `remove` deletes members. */
export interface BodyEdits {
  readonly set?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
}

/** The top-level members of a JSON object text, with the separator positions between them. */
function members(s: string): { open: number; close: number; spans: Map<string, Span>; order: Span[] } {
  const open = skipWs(s, 0);
  if (s[open] !== "{") throw new SyntaxError("JSON body is not an object");
  const list = objectMembers(s, open);
  const spans = new Map<string, Span>();
  const order: Span[] = [];
  for (const m of list) {
    const span = { start: m.start, end: m.valueEnd };
    spans.set(m.key, span); // a repeated key: JSON.parse keeps the last, and so do we
    order.push(span);
  }
  const close = skipWs(s, list.length > 0 ? list[list.length - 1].valueEnd : open + 1);
  return { open, close, spans, order };
}

/**
 * Applies `edits` to a JSON object body; returns the input itself when nothing changes. Untouched
 * members keep their exact bytes; only the separators between members are normalised to ",".
 */
export function editBody(body: Buffer, edits: BodyEdits): Buffer {
  const set = edits.set ?? {};
  const remove = new Set(edits.remove ?? []);
  // Nothing to do: a pass-through body is not even scanned (it may be megabytes of conversation).
  if (Object.keys(set).length === 0 && remove.size === 0) return body;
  const s = body.toString("utf8");
  const { open, close, spans, order } = members(s);
  const touched = Object.keys(set).length > 0 || [...remove].some((k) => spans.has(k));
  if (!touched) return body;
  const keyOf = new Map<Span, string>([...spans].map(([k, v]) => [v, k]));
  const parts: string[] = [];
  for (const [key, value] of Object.entries(set))
    if (!spans.has(key)) parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  for (const span of order) {
    const key = keyOf.get(span);
    if (key === undefined) continue; // an earlier duplicate of a repeated key
    if (Object.hasOwn(set, key)) parts.push(`${JSON.stringify(key)}:${JSON.stringify(set[key])}`);
    else if (!remove.has(key)) parts.push(s.slice(span.start, span.end));
  }
  return Buffer.from(`${s.slice(0, open + 1)}${parts.join(",")}${s.slice(close)}`, "utf8");
}
