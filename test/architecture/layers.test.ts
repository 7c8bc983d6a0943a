/**
 * The architecture, enforced: no import cycle among src/ files (type-only imports count) and no import from a
 * lower layer to a higher one. LAYERS below is the one place the order is written down; README "Development"
 * draws the same order.
 *
 * Why this order: errors.ts is the vocabulary every layer throws; translate/ converts between API dialects
 * without knowing HTTP; the kernel (server/) knows HTTP and the handler shape but no feature; oauth owns token files
 * and their refresh; routing picks, cools down and pins credentials; providers hold the kinds, executors,
 * resolution and credential conduct; pipeline/ serves one model request on top of them (attempt, stream relay,
 * answer writer); amp and management are features on top; app/ is
 * the composition root that builds the App and the route table; main.ts parses flags and is the only exit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Lowest first. A file may import from its own package or from any package listed before its own. */
export const LAYERS: readonly (readonly string[])[] = [
  ["version.ts", "errors.ts", "atomic-file.ts", "plain-object.ts", "log"],
  ["sse"],
  ["proxy"],
  ["config"],
  ["translate"],
  ["server"],
  ["oauth"],
  ["routing"],
  ["providers"],
  ["pipeline"],
  ["metrics"],
  ["amp"],
  ["management"],
  ["store"],
  ["app"],
  ["main.ts"],
];

const SRC = join(import.meta.dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out.sort();
}

/** Every relative module a file names: static and type imports, re-exports, dynamic imports, module augmentations. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s[^;'"]*?\sfrom\s*["'](\.[^"']+)["']/g,
    /(?:^|\n)\s*import\s*["'](\.[^"']+)["']/g,
    /\bimport\(\s*["'](\.[^"']+)["']\s*\)/g,
    /\bdeclare\s+module\s+["'](\.[^"']+)["']/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

function graph(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const to = new Set<string>();
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const target = join(dirname(file), spec).replace(/\.js$/, ".ts");
      assert.ok(existsSync(target), `${relative(SRC, file)} imports ${spec}, which does not exist`);
      to.add(relative(SRC, target));
    }
    edges.set(relative(SRC, file), to);
  }
  return edges;
}

/** Strongly connected components with more than one file (or a file importing itself): the cycles. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || edges.get(v)?.has(v)) found.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

const packageOf = (file: string): string => file.split("/")[0]!;

function layerOf(pkg: string): number {
  const i = LAYERS.findIndex((layer) => layer.includes(pkg));
  assert.notEqual(i, -1, `src/${pkg} is in no layer: add it to LAYERS in test/architecture/layers.test.ts`);
  return i;
}

test("the scanner sees every kind of import", () => {
  const text = [
    'import { a } from "./a.js";',
    'import type { B } from "../b/b.js";',
    "export { c } from './c.js';",
    'import "./side.js";',
    'const d = await import("./d.js");',
    'declare module "../server/handler.js" {}',
    'import { readFile } from "node:fs/promises";',
  ].join("\n");
  assert.deepEqual(importsOf(text).sort(), [
    "../b/b.js",
    "../server/handler.js",
    "./a.js",
    "./c.js",
    "./d.js",
    "./side.js",
  ]);
});

test("no import cycle among src/ files (type-only imports count)", () => {
  const found = cycles(graph());
  assert.deepEqual(
    found.map((c) => c.join(" → ")),
    [],
  );
});

test("imports only point down the layers", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph()) {
    const from = layerOf(packageOf(file));
    for (const target of targets) {
      const to = layerOf(packageOf(target));
      if (to > from) wrong.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("the cycle check catches a cycle", () => {
  const edges = new Map([
    ["a.ts", new Set(["b.ts"])],
    ["b.ts", new Set(["c.ts"])],
    ["c.ts", new Set(["a.ts"])],
    ["d.ts", new Set(["a.ts"])],
  ]);
  assert.deepEqual(cycles(edges), [["a.ts", "b.ts", "c.ts"]]);
});
