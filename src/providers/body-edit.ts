/**
 * Edits top-level members of a JSON object body without re-serialising the rest: a passthrough
 * request whose `model` must change keeps every other byte as the client sent it (JSON.parse +
 * JSON.stringify would re-round integers such as 12345678901234567890 in tool inputs).
 */

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

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === " " || s[i] === "\n" || s[i] === "\r" || s[i] === "\t")) i++;
  return i;
}

function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s[j] === '"') return j + 1;
  }
  throw new SyntaxError("Unterminated string in JSON body");
}

/** End (exclusive) of the JSON value starting at `i`. */
function skipValue(s: string, i: number): number {
  if (s[i] === '"') return skipString(s, i);
  if (s[i] !== "{" && s[i] !== "[") {
    let j = i;
    while (j < s.length && !",}] \n\r\t".includes(s[j])) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === '"') j = skipString(s, j) - 1;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  throw new SyntaxError("Unterminated value in JSON body");
}

/** The top-level members of a JSON object text, with the separator positions between them. */
function members(s: string): { open: number; close: number; spans: Map<string, Span>; order: Span[] } {
  const open = skipWs(s, 0);
  if (s[open] !== "{") throw new SyntaxError("JSON body is not an object");
  const spans = new Map<string, Span>();
  const order: Span[] = [];
  let i = skipWs(s, open + 1);
  while (s[i] !== "}") {
    const keyEnd = skipString(s, i);
    const key = JSON.parse(s.slice(i, keyEnd)) as string;
    const valueStart = skipWs(s, skipWs(s, keyEnd) + 1);
    const end = skipValue(s, valueStart);
    const span = { start: i, end };
    spans.set(key, span); // a repeated key: JSON.parse keeps the last, and so do we
    order.push(span);
    i = skipWs(s, end);
    if (s[i] === ",") i = skipWs(s, i + 1);
  }
  return { open, close: i, spans, order };
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
  for (const [key, value] of Object.entries(set)) if (!spans.has(key)) parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  for (const span of order) {
    const key = keyOf.get(span);
    if (key === undefined) continue; // an earlier duplicate of a repeated key
    if (Object.hasOwn(set, key)) parts.push(`${JSON.stringify(key)}:${JSON.stringify(set[key])}`);
    else if (!remove.has(key)) parts.push(s.slice(span.start, span.end));
  }
  return Buffer.from(`${s.slice(0, open + 1)}${parts.join(",")}${s.slice(close)}`, "utf8");
}
