/**
 * Turns yaml-parse.ts's syntax tree into plain values per the YAML 1.2 core schema, with merge keys and
 * an index of where each value came from. Aliases share the anchored value rather than copying it, but
 * every node they stand for counts against maxAliasNodes, so a "billion laughs" document is refused
 * before anything walks the result.
 */
import { YamlError, type Position } from "./yaml-error.ts";
import type { AliasAst, Ast, MapAst, ScalarAst, SeqAst } from "./yaml-parse.ts";

/** Where one value of the document sits in the source, with its children. */
export interface PosNode {
  readonly at: Position;
  readonly keyAt?: Position;
  readonly start: number;
  readonly end: number;
  readonly items?: readonly PosNode[];
  readonly entries?: ReadonlyMap<string, PosNode>;
}

interface Built {
  readonly value: unknown;
  readonly pos: PosNode;
  readonly size: number;
}

const MERGE_KEY = "<<";

/** Composes a document's value and position index; expanding its aliases may produce at most maxAliasNodes nodes. */
export function compose(root: Ast | null, maxAliasNodes: number): { value: unknown; pos: PosNode | undefined } {
  if (root === null) return { value: null, pos: undefined };
  const { value, pos } = new Composer(maxAliasNodes).build(root);
  return { value, pos };
}

/** Resolves a plain scalar per the YAML 1.2 core schema, as the reference `yaml` package does. */
function resolvePlain(text: string): unknown {
  if (/^(?:~|null|Null|NULL)?$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text[0] === "-" ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return NaN;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return parseFloat(text);
  return text;
}

function fail(message: string, at: Position): never {
  throw new YamlError(message, at.line, at.column);
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  // A plain assignment to "__proto__" would replace the prototype instead of adding a key.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

class Composer {
  private readonly anchors = new Map<string, Built>();
  private readonly open = new Set<string>();
  private expanded = 0;

  constructor(private readonly maxAliasNodes: number) {}

  build(node: Ast): Built {
    if (node.kind === "alias") return this.alias(node);
    const anchor = node.anchor;
    if (anchor !== undefined) {
      this.anchors.delete(anchor);
      this.open.add(anchor);
    }
    const built = node.kind === "scalar" ? this.scalar(node) : node.kind === "seq" ? this.seq(node) : this.map(node);
    if (anchor !== undefined) {
      this.open.delete(anchor);
      this.anchors.set(anchor, built);
    }
    return built;
  }

  private scalar(node: ScalarAst): Built {
    const value = node.plain ? resolvePlain(node.value) : node.value;
    return { value, size: 1, pos: { at: node.at, start: node.at.line, end: node.end } };
  }

  private alias(node: AliasAst): Built {
    const target = this.anchors.get(node.name);
    if (!target) {
      fail(
        this.open.has(node.name)
          ? `Alias "*${node.name}" refers to a node that contains it`
          : `Alias "*${node.name}" refers to an unknown anchor`,
        node.at,
      );
    }
    this.expanded += target.size;
    if (this.expanded > this.maxAliasNodes) {
      fail(`Aliases expand to more than ${this.maxAliasNodes} nodes (maxAliasNodes)`, node.at);
    }
    const { items, entries } = target.pos;
    return {
      value: target.value,
      size: target.size,
      pos: { at: node.at, start: node.at.line, end: node.end, items, entries },
    };
  }

  private seq(node: SeqAst): Built {
    const value: unknown[] = [];
    const items: PosNode[] = [];
    let size = 1;
    for (const item of node.items) {
      const built = this.build(item.node);
      value.push(built.value);
      items.push({ ...built.pos, start: item.line });
      size += built.size;
    }
    return { value, size, pos: { at: node.at, start: node.at.line, end: node.end, items } };
  }

  private map(node: MapAst): Built {
    const value: Record<string, unknown> = {};
    const entries = new Map<string, PosNode>();
    const explicit = new Set<string>();
    let size = 1;
    for (const pair of node.pairs) {
      const keyValue = this.build(pair.key).value; // first, so an anchor on the key is defined for the value
      const built = this.build(pair.value);
      size += 1 + built.size;
      if (pair.key.plain && pair.key.value === MERGE_KEY) {
        for (const source of this.mergeSources(built, pair.value.at)) {
          for (const [key, pos] of source.pos.entries ?? []) {
            if (entries.has(key)) continue; // explicit keys, and earlier merged mappings, win
            define(value, key, (source.value as Record<string, unknown>)[key]);
            entries.set(key, pos);
          }
        }
        continue;
      }
      const key = keyValue === null ? "" : String(keyValue);
      if (explicit.has(key)) fail(`Duplicate key ${JSON.stringify(key)}`, pair.key.at);
      explicit.add(key);
      define(value, key, built.value);
      entries.set(key, { ...built.pos, keyAt: pair.key.at, start: pair.key.at.line });
    }
    return { value, size, pos: { at: node.at, start: node.at.line, end: node.end, entries } };
  }

  private mergeSources(built: Built, at: Position): { value: unknown; pos: PosNode }[] {
    if (built.pos.entries) return [built];
    const items = built.pos.items;
    if (items && items.every((item) => item.entries)) {
      return items.map((pos, k) => ({ value: (built.value as unknown[])[k], pos }));
    }
    return fail('A merge key "<<" needs a mapping or a sequence of mappings', at);
  }
}
