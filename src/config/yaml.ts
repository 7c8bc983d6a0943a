/**
 * Reads cliproxy's YAML config: the subset real config files use (block and flow collections, all scalar
 * styles, anchors and merge keys, YAML 1.2 core schema), with source positions for every value so config
 * errors can name a line. Syntax lives in yaml-scan.ts and yaml-parse.ts, values in yaml-compose.ts.
 */
import { compose, type PosNode } from "./yaml-compose.ts";
import { parseDocument } from "./yaml-parse.ts";
import { YamlError, type Position } from "./yaml-error.ts";

export { YamlError, type Position };

const DEFAULT_MAX_ALIAS_NODES = 100_000;

/** A path into a parsed value: mapping keys and sequence indexes. */
export type YamlPath = ReadonlyArray<string | number>;

/** A parsed document: its plain value and where each part of it came from. */
export interface YamlDocument {
  /** Plain JS value: objects, arrays, strings, numbers, booleans, null. Empty document → null. */
  readonly value: unknown;
  /** Where the value at this path starts; undefined when absent. */
  pos(path: YamlPath): Position | undefined;
  /** Where the mapping key of this path starts (for mapping entries); undefined otherwise. */
  keyPos(path: YamlPath): Position | undefined;
  /** Line range the node at this path spans, including, for a mapping entry, its key line. */
  span(path: YamlPath): { start: number; end: number } | undefined;
}

/** Limits for parseYaml(). */
export interface YamlOptions {
  readonly maxAliasNodes?: number;
}

/** Parses one YAML document; throws YamlError naming the line and column of the first problem. */
export function parseYaml(text: string, options: YamlOptions = {}): YamlDocument {
  // A lone CR stays content: the reference parser and the editors config files come from agree on that.
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  const { value, pos } = compose(parseDocument(src), options.maxAliasNodes ?? DEFAULT_MAX_ALIAS_NODES);
  const find = (path: YamlPath) => walk(pos, path);
  return {
    value,
    pos: (path) => find(path)?.at,
    keyPos: (path) => find(path)?.keyAt,
    span: (path) => {
      const node = find(path);
      return node && { start: node.start, end: node.end };
    },
  };
}

function walk(root: PosNode | undefined, path: YamlPath): PosNode | undefined {
  let node = root;
  for (const segment of path) {
    if (node?.items) node = node.items[typeof segment === "number" ? segment : /^\d+$/.test(segment) ? +segment : -1];
    else node = node?.entries?.get(String(segment));
  }
  return node;
}
