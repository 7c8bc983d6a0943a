/**
 * The block and flow structure of one YAML document, read into a small syntax tree that yaml-compose.ts
 * turns into values. Indentation follows YAML 1.2: `n` is always the indentation of the parent collection
 * (-1 at the top level), and a node's lines must be indented more than that.
 */
import type { Position } from "./yaml-error.ts";
import { isFlowIndicator, isPlainStart, scanBlockScalar, scanPlain, scanQuoted, Scanner } from "./yaml-scan.ts";

/** A node of the syntax tree. */
export type Ast = ScalarAst | AliasAst | SeqAst | MapAst;
interface AstBase {
  readonly at: Position;
  readonly end: number;
  anchor?: string;
}
/** A scalar; only plain ones are resolved to null, booleans and numbers. */
export interface ScalarAst extends AstBase {
  readonly kind: "scalar";
  readonly value: string;
  readonly plain: boolean;
}
/** A reference to an earlier anchored node. */
export interface AliasAst extends AstBase {
  readonly kind: "alias";
  readonly name: string;
}
/** A sequence; each item records the line of its "-" indicator. */
export interface SeqAst extends AstBase {
  readonly kind: "seq";
  readonly items: readonly { line: number; node: Ast }[];
}
/** A mapping with scalar keys. */
export interface MapAst extends AstBase {
  readonly kind: "map";
  readonly pairs: readonly { key: ScalarAst; value: Ast }[];
}

const MAX_DEPTH = 1_000; // keeps recursion far from the stack limit on hostile input

/** Parses the single document in `src` (LF line breaks, no BOM); null when it holds no node. */
export function parseDocument(src: string): Ast | null {
  return new Parser(new Scanner(src)).document();
}

class Parser {
  private depth = 0;

  constructor(private readonly s: Scanner) {}

  document(): Ast | null {
    const s = this.s;
    s.nextContentLine();
    const directives = s.at() === "%";
    while (s.at() === "%") {
      s.i = s.lineEnd();
      s.nextContentLine();
    }
    let root: Ast | null = null;
    if (s.isDocMarker("---")) {
      s.i += 3;
      root = this.value(-1, false, false, s.loc());
      if (root.kind === "scalar" && root.plain && root.value === "" && root.anchor === undefined) root = null;
    } else if (directives) {
      s.fail('Expected "---" after directives');
    } else if (!s.eof() && !s.isDocMarker("...")) {
      root = this.value(-1, true, false, s.loc());
    }
    s.nextContentLine();
    if (s.isDocMarker("...")) {
      s.i += 3;
      s.finishLine();
      s.nextContentLine();
      if (!s.eof()) s.fail("A second document is not supported");
    } else if (s.isDocMarker("---")) {
      s.fail("A second document is not supported");
    } else if (!s.eof()) {
      s.fail("Unexpected content after the top-level node");
    }
    return root;
  }

  /** Reads the node after an indicator: on this line, or on the lines below when the rest of this one is blank. */
  private value(n: number, compact: boolean, seqAtN: boolean, emptyAt: Position): Ast {
    const s = this.s;
    s.skipInline();
    const mark = s.i;
    const anchor = s.at() === "&" ? this.anchorName() : undefined;
    if (!s.restBlank()) {
      s.i = mark;
      return this.inline(n, compact);
    }
    s.finishLine();
    s.nextContentLine();
    const c = s.col();
    if (s.eof() || s.isDocMarker() || !(c > n || (seqAtN && c === n && s.isDash()))) return this.empty(emptyAt, anchor);
    return withAnchor(s, this.value(n, true, false, s.loc()), anchor);
  }

  /** Reads a node that starts at s.i on the current line; `compact` allows a block collection to start here. */
  private inline(n: number, compact: boolean): Ast {
    const s = this.s;
    const m = s.col();
    const tab = s.src.lastIndexOf("\t", s.i - 1);
    if (tab >= s.i - m && (s.isDash() || this.tryKey(n))) s.fail("Tab character used for indentation", tab);
    if (s.isDash()) {
      if (!compact) s.fail("A block sequence must start on a new line");
      return this.blockSeq(m);
    }
    const key = this.tryKey(n);
    if (key) {
      if (!compact) s.fail("A nested mapping must start on a new line", key.at);
      return this.blockMap(m, key);
    }
    const anchor = s.at() === "&" ? this.anchorName() : undefined;
    const start = s.loc();
    const c = s.at();
    let node: Ast;
    if (c === "|" || c === ">") {
      const { value, end } = scanBlockScalar(s, n);
      return withAnchor(s, { kind: "scalar", value, plain: false, at: start, end }, anchor);
    } else if (c === "[" || c === "{" || c === "*") {
      node = c === "*" ? this.alias() : this.flow(n);
      s.skipInline();
      if (s.at() === ":" && s.isSep(s.i + 1)) this.badKey(node);
    } else if (c === '"' || c === "'") {
      node = this.quoted(n);
    } else if (isPlainStart(s, false)) {
      node = this.plain(n, false);
    } else {
      node = this.badNode();
    }
    s.finishLine();
    return withAnchor(s, node, anchor);
  }

  /** Reads `[&anchor] scalar:` on one line and returns the key, or returns undefined with s.i unchanged. */
  private tryKey(n: number): ScalarAst | undefined {
    const s = this.s;
    const mark = s.i;
    const anchor = s.at() === "&" ? this.anchorName() : undefined;
    const c = s.at();
    const key =
      c === '"' || c === "'" ? this.quoted(n) : isPlainStart(s, false) ? this.plain(n, false, true) : undefined;
    s.skipInline();
    if (key && s.at() === ":" && s.isSep(s.i + 1)) {
      if (key.end !== key.at.line) s.fail("A mapping key must be on a single line", key.at);
      s.i++;
      return withAnchor(s, key, anchor);
    }
    s.i = mark;
    return undefined;
  }

  private blockMap(m: number, first: ScalarAst): MapAst {
    const s = this.s;
    this.enter();
    const pairs: { key: ScalarAst; value: Ast }[] = [];
    for (let key: ScalarAst | undefined = first; ; key = this.tryKey(m)) {
      if (!key) {
        if (s.isDash()) s.fail("A sequence entry is not allowed in a mapping");
        if (s.at() === "?" && s.isSep(s.i + 1)) s.fail('Explicit keys ("? ") are not supported');
        if (s.at() === "*") this.badKey("alias");
        if (s.at() === "[" || s.at() === "{") this.badKey("collection");
        if ("&\"'".includes(s.at()) || isPlainStart(s, false)) s.fail('Missing ":" after a mapping key');
        this.badNode();
      }
      pairs.push({ key, value: this.value(m, false, true, s.loc()) });
      s.nextContentLine();
      if (s.eof() || s.isDocMarker() || s.col() < m) break;
      if (s.col() > m) s.fail("Bad indentation of a mapping entry");
    }
    this.leave();
    const last = pairs[pairs.length - 1];
    return { kind: "map", pairs, at: first.at, end: Math.max(last.key.at.line, last.value.end) };
  }

  private blockSeq(m: number): SeqAst {
    const s = this.s;
    this.enter();
    const at = s.loc();
    const items: { line: number; node: Ast }[] = [];
    do {
      const line = s.loc().line;
      s.i++;
      items.push({ line, node: this.value(m, true, false, s.loc()) });
      s.nextContentLine();
      if (s.eof() || s.isDocMarker() || s.col() < m) break;
      if (s.col() > m) s.fail("Bad indentation of a sequence entry");
    } while (s.isDash()); // anything else at this indentation belongs to the mapping holding this sequence
    this.leave();
    return { kind: "seq", items, at, end: items[items.length - 1].node.end };
  }

  private flow(n: number): SeqAst | MapAst {
    const s = this.s;
    this.enter();
    const open = s.i;
    const at = s.loc();
    const isSeq = s.at() === "[";
    const close = isSeq ? "]" : "}";
    const items: { line: number; node: Ast }[] = [];
    const pairs: { key: ScalarAst; value: Ast }[] = [];
    s.i++;
    for (;;) {
      this.flowSpace(n, open);
      if (s.at() === close) break;
      if (isSeq) items.push(this.flowSeqEntry(n, open));
      else pairs.push(this.flowMapEntry(n, open));
      this.flowSpace(n, open);
      if (s.at() === close) break;
      if (s.at() !== ",") s.fail(`Expected "," or "${close}" in a flow ${isSeq ? "sequence" : "mapping"}`);
      s.i++;
    }
    const end = s.loc().line;
    s.i++;
    this.leave();
    return isSeq ? { kind: "seq", items, at, end } : { kind: "map", pairs, at, end };
  }

  /** Skips blanks, line breaks and comments inside a flow collection opened at index `open`. */
  private flowSpace(n: number, open: number): void {
    const s = this.s;
    for (;;) {
      const c = s.at();
      if (c === " " || c === "\t") {
        s.i++;
      } else if (c === "\n") {
        s.i++;
        let p = s.i;
        while (s.at(p) === " ") p++;
        let q = p;
        while (s.at(q) === " " || s.at(q) === "\t") q++;
        const d = s.at(q);
        if (s.isDocMarker()) this.unclosed(open);
        const closing = d === "]" || d === "}";
        if (p - s.i < n + (closing ? 0 : 1) && d !== "\n" && d !== "#" && d !== "") {
          s.fail("Insufficient indentation in a flow collection", q);
        }
      } else if (c === "#") {
        if (!s.isSep(s.i - 1)) s.fail('A comment needs whitespace before "#"');
        s.i = s.lineEnd();
      } else if (c === "") {
        this.unclosed(open);
      } else {
        return;
      }
    }
  }

  private unclosed(open: number): never {
    return this.s.fail(`Unclosed flow ${this.s.at(open) === "[" ? "sequence" : "mapping"}`, open);
  }

  private flowSeqEntry(n: number, open: number): { line: number; node: Ast } {
    const s = this.s;
    const node = this.flowNode(n, open);
    const mark = s.i;
    s.skipInline();
    const jsonLike = node.kind !== "scalar" || !node.plain;
    if (s.at() !== ":" || !(jsonLike || s.isSep(s.i + 1) || isFlowIndicator(s.at(s.i + 1)))) {
      s.i = mark;
      return { line: node.at.line, node };
    }
    if (node.kind !== "scalar") this.badKey(node);
    if (node.end !== node.at.line) s.fail("A mapping key must be on a single line", node.at);
    s.i++;
    const value = this.flowValue(n, open, "]");
    return { line: node.at.line, node: { kind: "map", pairs: [{ key: node, value }], at: node.at, end: value.end } };
  }

  private flowMapEntry(n: number, open: number): { key: ScalarAst; value: Ast } {
    const s = this.s;
    if (s.at() === "?" && s.isSep(s.i + 1)) s.fail('Explicit keys ("? ") are not supported');
    const key = this.flowNode(n, open);
    if (key.kind !== "scalar") this.badKey(key);
    this.flowSpace(n, open);
    const adjacent = !key.plain || s.isSep(s.i + 1) || isFlowIndicator(s.at(s.i + 1));
    if (s.at() !== ":" || !adjacent) return { key, value: this.empty(key.at) };
    s.i++;
    return { key, value: this.flowValue(n, open, "}") };
  }

  private flowValue(n: number, open: number, close: string): Ast {
    const s = this.s;
    const at = s.loc();
    this.flowSpace(n, open);
    return s.at() === "," || s.at() === close ? this.empty(at) : this.flowNode(n, open);
  }

  private flowNode(n: number, open: number): Ast {
    const s = this.s;
    const anchor = s.at() === "&" ? this.anchorName() : undefined;
    if (anchor !== undefined) this.flowSpace(n, open);
    const c = s.at();
    let node: Ast;
    if (c === "[" || c === "{") node = this.flow(n);
    else if (c === "*") node = this.alias();
    else if (c === '"' || c === "'") node = this.quoted(n);
    else if (c === "|" || c === ">") node = s.fail("Block scalars are not allowed inside flow collections");
    else if (isPlainStart(s, true)) node = this.plain(n, true);
    else node = this.badNode();
    return withAnchor(s, node, anchor);
  }

  private plain(n: number, flow: boolean, firstLineOnly = false): ScalarAst {
    const at = this.s.loc();
    const { value, end } = scanPlain(this.s, n, flow, firstLineOnly);
    return { kind: "scalar", value, plain: true, at, end };
  }

  private quoted(n: number): ScalarAst {
    const at = this.s.loc();
    const { value, end } = scanQuoted(this.s, n);
    return { kind: "scalar", value, plain: false, at, end };
  }

  private alias(): AliasAst {
    const s = this.s;
    const at = s.loc();
    s.i++;
    return { kind: "alias", name: this.name("alias"), at, end: at.line };
  }

  private anchorName(): string {
    this.s.i++;
    const name = this.name("anchor");
    if (!this.s.isSep()) this.s.fail("An anchor must be followed by a space");
    this.s.skipInline();
    return name;
  }

  private name(what: string): string {
    const s = this.s;
    const start = s.i;
    while (!s.isSep() && !isFlowIndicator(s.at())) s.i++;
    if (s.i === start) s.fail(`Missing ${what} name`, start - 1);
    return s.src.slice(start, s.i);
  }

  private empty(at: Position, anchor?: string): ScalarAst {
    return { kind: "scalar", value: "", plain: true, at, end: at.line, anchor };
  }

  private badKey(node: Ast | "alias" | "collection"): never {
    const kind = typeof node === "string" ? node : node.kind === "alias" ? "alias" : "collection";
    const at = typeof node === "string" ? this.s.loc() : node.at;
    return this.s.fail(
      kind === "alias" ? "An alias cannot be used as a mapping key" : "A mapping key must be a scalar",
      at,
    );
  }

  private badNode(): never {
    const s = this.s;
    const c = s.at();
    if (c === "!") s.fail("Tags are not supported");
    if (c === "&") s.fail("A node cannot have two anchors");
    if (c === "?" && s.isSep(s.i + 1)) s.fail('Explicit keys ("? ") are not supported');
    if (c === ":" && s.isSep(s.i + 1)) s.fail('Missing mapping key before ":"');
    return s.fail(`Unexpected character ${JSON.stringify(c)}`);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.s.fail(`Nesting is deeper than ${MAX_DEPTH} levels`);
  }

  private leave(): void {
    this.depth--;
  }
}

function withAnchor<T extends Ast>(s: Scanner, node: T, anchor: string | undefined): T {
  if (anchor === undefined) return node;
  if (node.kind === "alias") s.fail("An alias cannot have an anchor", node.at);
  if (node.anchor !== undefined) s.fail("A node cannot have two anchors", node.at);
  node.anchor = anchor;
  return node;
}
