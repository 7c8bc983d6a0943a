/**
 * The README's client recipes, as the tests read them: a fenced block right after a marker comment
 * `<!-- test:file PATH -->` (a file the user writes), `<!-- test:shell NAME -->` (exports and one command) or
 * `<!-- test:sdk NAME -->` (a snippet run as it is). Tests use these instead of copies, so the two cannot drift.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where every example says cliproxy listens; tests swap in their server's address. */
export const EXAMPLE_ROOT = "http://127.0.0.1:8317";
/** The client key every example uses (config.example.yaml's first api-key). */
export const EXAMPLE_KEY = "change-me-1";

const README = join(import.meta.dirname, "..", "..", "README.md");

/** Every marked block: its kind, name and text. */
export function readmeBlocks(text = readFileSync(README, "utf8")): Array<{ kind: string; name: string; text: string }> {
  const out: Array<{ kind: string; name: string; text: string }> = [];
  const re = /^<!-- test:(\w+) (\S+) -->\r?\n```[^\n]*\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(re)) out.push({ kind: m[1], name: m[2], text: m[3] });
  return out;
}

/** The marked block of this kind and name; fails the test when the README has none or two. */
export function readmeBlock(kind: "file" | "shell" | "sdk", name: string): string {
  const found = readmeBlocks().filter((b) => b.kind === kind && b.name === name);
  assert.equal(found.length, 1, `README.md has ${found.length} blocks marked <!-- test:${kind} ${name} -->`);
  return found[0].text;
}

/** A shell block read as the user runs it: its `export K=V` lines and its one command, as argv. */
export function readmeShell(name: string): { env: Record<string, string>; argv: string[] } {
  const env: Record<string, string> = {};
  let argv: string[] | undefined;
  for (const raw of readmeBlock("shell", name).split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const exp = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (exp) env[exp[1]] = shellWords(exp[2]).join(" ");
    else {
      assert.equal(argv, undefined, `the shell block "${name}" has more than one command`);
      argv = shellWords(line);
    }
  }
  assert.ok(argv, `the shell block "${name}" has no command`);
  return { env, argv };
}

/** Splits a command line into words: single and double quotes group, nothing expands. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      assert.ok(end > i, `unterminated quote in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}
