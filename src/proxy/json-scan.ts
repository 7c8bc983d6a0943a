/**
 * Finds the raw text spans of JSON values without parsing them into numbers, so the Amp sanitiser can
 * change one block of a request and leave every other byte as the client sent it (a tool input such
 * as 12345678901234567890 would be re-rounded by JSON.parse + JSON.stringify).
 */

/** One member of a JSON object: the decoded key and where its value sits in the text. */
export interface Member {
  readonly key: string;
  /** Start of the member (the key's opening quote). */
  readonly start: number;
  readonly valueStart: number;
  /** End of the value (exclusive). */
  readonly valueEnd: number;
}

/** A text edit: replace [start, end) with `text`. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The index of the first non-whitespace character at or after `i`. */
export function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  throw new SyntaxError("Unterminated string in JSON");
}

/** The end (exclusive) of the JSON value starting at `i` (after whitespace). */
export function valueEnd(s: string, i: number): number {
  i = skipWs(s, i);
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s[j];
      if (d === '"') j = skipString(s, j) - 1;
      else if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw new SyntaxError("Unterminated container in JSON");
  }
  let j = i;
  while (j < s.length && !",}] \n\r\t".includes(s[j])) j++;
  if (j === i) throw new SyntaxError(`Unexpected character in JSON at position ${i}`);
  return j;
}

/** The members of the object whose `{` is at `start` (after whitespace). */
export function objectMembers(s: string, start: number): Member[] {
  let i = skipWs(s, start);
  if (s[i] !== "{") throw new SyntaxError(`Expected an object at position ${i}`);
  const out: Member[] = [];
  i = skipWs(s, i + 1);
  if (s[i] === "}") return out;
  for (;;) {
    const keyStart = i;
    const keyEnd = skipString(s, i);
    const key = JSON.parse(s.slice(keyStart, keyEnd)) as string;
    i = skipWs(s, keyEnd);
    if (s[i] !== ":") throw new SyntaxError(`Expected ':' at position ${i}`);
    const valueStart = skipWs(s, i + 1);
    const end = valueEnd(s, valueStart);
    out.push({ key, start: keyStart, valueStart, valueEnd: end });
    i = skipWs(s, end);
    if (s[i] === "}") return out;
    if (s[i] !== ",") throw new SyntaxError(`Expected ',' or '}' at position ${i}`);
    i = skipWs(s, i + 1);
  }
}

/** The [start, end) spans of the elements of the array whose `[` is at `start`. */
export function arrayElements(s: string, start: number): Array<[number, number]> {
  let i = skipWs(s, start);
  if (s[i] !== "[") throw new SyntaxError(`Expected an array at position ${i}`);
  const out: Array<[number, number]> = [];
  i = skipWs(s, i + 1);
  if (s[i] === "]") return out;
  for (;;) {
    const end = valueEnd(s, i);
    out.push([i, end]);
    i = skipWs(s, end);
    if (s[i] === "]") return out;
    if (s[i] !== ",") throw new SyntaxError(`Expected ',' or ']' at position ${i}`);
    i = skipWs(s, i + 1);
  }
}

/** Applies non-overlapping splices to `s`. */
export function applySplices(s: string, splices: readonly Splice[]): string {
  const sorted = [...splices].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const sp of sorted) {
    out += s.slice(at, sp.start) + sp.text;
    at = sp.end;
  }
  return out + s.slice(at);
}

/** The first character of `s` that is not JSON whitespace. */
export function firstNonWs(s: string): string | undefined {
  return s[skipWs(s, 0)];
}

/** Deepest nesting of objects and arrays accepted in JSON cliproxy parses from clients or upstreams; far past any real request. */
export const MAX_JSON_DEPTH = 256;

/**
 * Whether the JSON text `s` nests objects and arrays deeper than `max`, scanned without recursion.
 * JSON.parse itself copes with deep nesting, but every recursive walk after it (translators,
 * JSON.stringify) overflows the stack somewhere past a few thousand levels: refuse before any of them.
 */
export function nestsDeeperThan(s: string, max = MAX_JSON_DEPTH): boolean {
  // Fewer than max + 1 opening brackets cannot nest deeper than max: short texts (most stream events) and texts
  // with few brackets (a 100 kB answer is mostly prose) are cleared by a length check or native indexOf (#17).
  if (s.length <= max) return false;
  let open = 0;
  for (let i = s.indexOf("{"); i >= 0 && open <= max; i = s.indexOf("{", i + 1)) open++;
  for (let i = s.indexOf("["); i >= 0 && open <= max; i = s.indexOf("[", i + 1)) open++;
  if (open <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
