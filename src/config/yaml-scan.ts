/**
 * Character-level reading of YAML source (LF line breaks, no BOM): positions, blank and comment lines,
 * and the text of plain, quoted and block scalars with YAML 1.2 line folding.
 */
import { YamlError, type Position } from "./yaml-error.ts";

/** A scalar's text and the 1-based line it ends on. */
export interface ScannedText {
  readonly value: string;
  readonly end: number;
}

const ESCAPES: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** True for the characters that open, close or separate flow collections. */
export function isFlowIndicator(c: string): boolean {
  return c.length === 1 && ",[]{}".includes(c);
}

/** A cursor over YAML source that reports errors with 1-based positions. */
export class Scanner {
  i = 0;
  private readonly starts: number[] = [0];

  constructor(readonly src: string) {
    for (let k = src.indexOf("\n"); k >= 0; k = src.indexOf("\n", k + 1)) this.starts.push(k + 1);
  }

  /** The character at k, or "" past the end. */
  at(k = this.i): string {
    return this.src[k] ?? "";
  }

  /** The 1-based line and column of index k. */
  loc(k = this.i): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: k - this.starts[lo] + 1 };
  }

  /** Throws a YamlError at index k. */
  fail(message: string, k: number | Position = this.i): never {
    const { line, column } = typeof k === "number" ? this.loc(k) : k;
    throw new YamlError(message, line, column);
  }

  /** The 0-based column of index k. */
  col(k = this.i): number {
    return this.loc(k).column - 1;
  }

  /** The index of the line break ending k's line, or the source length. */
  lineEnd(k = this.i): number {
    const e = this.src.indexOf("\n", k);
    return e < 0 ? this.src.length : e;
  }

  /** True at a space, tab, line break or the end. */
  isSep(k = this.i): boolean {
    const c = this.at(k);
    return c === "" || c === " " || c === "\t" || c === "\n";
  }

  /** True at the end of the source. */
  eof(): boolean {
    return this.i >= this.src.length;
  }

  /** True at a block sequence indicator. */
  isDash(): boolean {
    return this.at() === "-" && this.isSep(this.i + 1);
  }

  /** True at "---" or "..." (or the given one) starting a line. */
  isDocMarker(marker?: "---" | "..."): boolean {
    const found = this.src.startsWith("---", this.i) ? "---" : this.src.startsWith("...", this.i) ? "..." : undefined;
    return found !== undefined && (marker ?? found) === found && this.col() === 0 && this.isSep(this.i + 3);
  }

  /** Skips spaces and tabs on the current line. */
  skipInline(): void {
    while (this.at() === " " || this.at() === "\t") this.i++;
  }

  /** True when only blanks and maybe a comment remain on the current line. */
  restBlank(): boolean {
    let k = this.i;
    while (this.at(k) === " " || this.at(k) === "\t") k++;
    const c = this.at(k);
    return c === "" || c === "\n" || (c === "#" && (k === 0 || this.isSep(k - 1)));
  }

  /** Skips trailing blanks and a comment, then the line break; anything else is an error. */
  finishLine(): void {
    const from = this.i;
    this.skipInline();
    if (this.at() === "#") {
      if (this.i === from && !this.isSep(from - 1)) this.fail('A comment needs whitespace before "#"');
      this.i = this.lineEnd();
    }
    if (!this.eof() && this.at() !== "\n") this.fail("Unexpected text after a value");
    if (!this.eof()) this.i++;
  }

  /** Moves to the first content character at or after this line start, past blank and comment lines. */
  nextContentLine(): void {
    for (;;) {
      let p = this.i;
      while (this.at(p) === " ") p++;
      let q = p;
      while (this.at(q) === " " || this.at(q) === "\t") q++;
      const c = this.at(q);
      if (c === "\n") this.i = q + 1;
      else if (c === "#") this.i = this.lineEnd(q);
      else if (c === "") return void (this.i = q);
      else if (q !== p) this.fail("Tab character used for indentation", p);
      else return void (this.i = p);
    }
  }
}

/** True where a plain scalar may start. */
export function isPlainStart(s: Scanner, flow: boolean): boolean {
  const c = s.at();
  if (c === "-" || c === "?" || c === ":") return !s.isSep(s.i + 1) && !(flow && isFlowIndicator(s.at(s.i + 1)));
  return c !== "" && !s.isSep() && !",[]{}#&*!|>'\"%@`".includes(c);
}

type PlainStop = "break" | "comment" | "colon" | "flow";

function plainLine(s: Scanner, k: number, flow: boolean): { end: number; stop: PlainStop } {
  let end = k;
  for (let j = k; ; j++) {
    const c = s.at(j);
    if (c === "" || c === "\n") return { end, stop: "break" };
    if (c === " " || c === "\t") continue;
    if (c === "#" && j > k && s.isSep(j - 1)) return { end, stop: "comment" };
    if (c === ":" && (s.isSep(j + 1) || (flow && isFlowIndicator(s.at(j + 1))))) return { end, stop: "colon" };
    if (flow && isFlowIndicator(c)) return { end, stop: "flow" };
    end = j + 1;
  }
}

interface Breaks {
  breaks: number;
  lineStart: number;
  content: number;
  tab: number;
}

/**
 * Counts the line breaks from the one at k and finds the next line with content. `tab` is the first tab
 * that indents a blank line to column n or less (-1 if none): an error only if the scalar goes on.
 */
function skipBreaks(s: Scanner, k: number, n: number): Breaks {
  let breaks = 0;
  let tab = -1;
  for (;;) {
    breaks++;
    const lineStart = k + 1;
    let p = lineStart;
    while (s.at(p) === " " || s.at(p) === "\t") p++;
    if (s.at(p) !== "\n") return { breaks, lineStart, content: p, tab };
    const spaces = indentOf(s, lineStart);
    if (tab < 0 && spaces <= n && s.at(lineStart + spaces) === "\t") tab = lineStart + spaces;
    k = p;
  }
}

function indentOf(s: Scanner, lineStart: number): number {
  let p = lineStart;
  while (s.at(p) === " ") p++;
  return p - lineStart;
}

/** Reads a plain scalar at s.i; its continuation lines must be indented more than n. */
export function scanPlain(s: Scanner, n: number, flow: boolean, firstLineOnly = false): ScannedText {
  let { end, stop } = plainLine(s, s.i, flow);
  let value = s.src.slice(s.i, end);
  s.i = end;
  while (stop === "break" && !firstLineOnly && !s.eof()) {
    const { breaks, lineStart, content, tab } = skipBreaks(s, s.lineEnd(), n);
    const c = s.at(content);
    s.i = lineStart;
    const ends =
      c === "" ||
      c === "#" ||
      s.isDocMarker() ||
      indentOf(s, lineStart) <= n ||
      (c === ":" && (s.isSep(content + 1) || (flow && isFlowIndicator(s.at(content + 1))))) ||
      (flow && isFlowIndicator(c));
    s.i = end;
    if (ends) break;
    if (tab >= 0) s.fail("Tab character used for indentation", tab);
    ({ end, stop } = plainLine(s, content, flow));
    if (stop === "colon" && !flow) s.fail("Bad indentation of a mapping entry", content);
    value += (breaks === 1 ? " " : "\n".repeat(breaks - 1)) + s.src.slice(content, end);
    s.i = end;
  }
  return { value, end: s.loc().line };
}

function readEscape(s: Scanner, k: number): { text: string; length: number } {
  const e = s.at(k + 1);
  const simple = ESCAPES[e];
  if (simple !== undefined) return { text: simple, length: 2 };
  const digits = HEX_DIGITS[e] ?? 0;
  const hex = s.src.slice(k + 2, k + 2 + digits);
  const code = parseInt(hex, 16);
  if (digits === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits || code > 0x10ffff) {
    s.fail(`Invalid escape sequence "\\${s.src.slice(k + 1, k + 2 + digits)}"`, k);
  }
  return { text: e === "U" ? String.fromCodePoint(code) : String.fromCharCode(code), length: 2 + digits };
}

/** Reads a single- or double-quoted scalar at s.i; its continuation lines must be indented more than n. */
export function scanQuoted(s: Scanner, n: number): ScannedText {
  const open = s.i;
  const quote = s.at();
  const unclosed = `Missing closing ${quote === '"' ? "double" : "single"} quote`;
  let out = "";
  let blanks = ""; // held back until we know they are not trailing a line, which folding drops
  let k = open + 1;
  for (;;) {
    const c = s.at(k);
    if (c === " " || c === "\t") {
      blanks += c;
      k++;
      continue;
    }
    const escapedBreak = c === "\\" && quote === '"' && s.at(k + 1) === "\n";
    if (c === "\n" || escapedBreak) {
      if (escapedBreak) out += blanks;
      blanks = "";
      const { breaks, lineStart, content, tab } = skipBreaks(s, escapedBreak ? k + 1 : k, n);
      if (tab >= 0) s.fail("Tab character used for indentation", tab);
      s.i = lineStart;
      if (s.at(content) === "" || s.isDocMarker() || indentOf(s, lineStart) <= n) s.fail(unclosed, open);
      out += escapedBreak ? "\n".repeat(breaks - 1) : breaks === 1 ? " " : "\n".repeat(breaks - 1);
      k = content;
      continue;
    }
    out += blanks;
    blanks = "";
    if (c === "") s.fail(unclosed, open);
    if (c === quote) {
      if (quote === '"' || s.at(k + 1) !== "'") break;
      out += "'";
      k += 2;
    } else if (c === "\\" && quote === '"') {
      const { text, length } = readEscape(s, k);
      out += text;
      k += length;
    } else {
      out += c;
      k++;
    }
  }
  s.i = k + 1;
  return { value: out, end: s.loc(k).line };
}

function fold(lines: readonly string[]): string {
  let out = "";
  let empties = 0;
  let prev: "none" | "text" | "more" = "none";
  for (const line of lines) {
    if (line === "") {
      empties++;
      continue;
    }
    const more = line[0] === " " || line[0] === "\t";
    if (prev === "none") out += "\n".repeat(empties);
    else if (prev === "text" && !more) out += empties === 0 ? " " : "\n".repeat(empties);
    else out += "\n".repeat(empties + 1);
    out += line;
    prev = more ? "more" : "text";
    empties = 0;
  }
  return out;
}

/** Reads a literal (|) or folded (>) block scalar at s.i whose parent is indented n; leaves s.i at a line start. */
export function scanBlockScalar(s: Scanner, n: number): ScannedText {
  const folded = s.at() === ">";
  let end = s.loc().line;
  let chomp = "";
  let explicit = 0;
  s.i++;
  for (let t = 0; t < 2; t++) {
    const c = s.at();
    if ((c === "-" || c === "+") && chomp === "") chomp = c;
    else if (c >= "1" && c <= "9" && explicit === 0) explicit = +c;
    else break;
    s.i++;
  }
  if (!s.isSep()) s.fail("Invalid block scalar header");
  s.finishLine();
  // The top level counts as indentation 0 for an explicit indicator, as the reference parser does.
  let indent = explicit > 0 ? Math.max(n, 0) + explicit : -1;
  let leadingBlank = 0;
  const lines: string[] = [];
  while (!s.eof() && !s.isDocMarker()) {
    const e = s.lineEnd();
    const spaces = indentOf(s, s.i);
    const blank = /^[ \t]*$/.test(s.src.slice(s.i, e));
    // A tab here would be indentation, whether the line is blank, a comment or text.
    const inIndent = indent < 0 ? blank || spaces <= n : spaces < indent;
    if (inIndent && s.at(s.i + spaces) === "\t") s.fail("Tab character used for indentation", s.i + spaces);
    if (blank && e === s.src.length) break; // without its line break, a last blank line is not part of the scalar
    if (indent < 0 && !blank) {
      if (spaces <= n) break;
      indent = spaces;
      if (leadingBlank > indent) {
        s.fail("A leading blank line is more indented than the block scalar's content", s.i + indent);
      }
    }
    if (indent < 0 || spaces < indent) {
      if (!blank) break;
      leadingBlank = Math.max(leadingBlank, spaces);
      lines.push("");
    } else {
      lines.push(s.src.slice(s.i + indent, e));
      if (!blank) end = s.loc().line;
    }
    s.i = Math.min(e + 1, s.src.length);
  }
  let body = lines.length;
  while (body > 0 && lines[body - 1] === "") body--;
  let value = folded ? fold(lines.slice(0, body)) : lines.slice(0, body).join("\n");
  if (body > 0 && chomp !== "-") value += "\n";
  if (chomp === "+") value += "\n".repeat(lines.length - body);
  return { value, end };
}
