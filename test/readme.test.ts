/** README.md as a newcomer meets it: a short table of contents, working in-page links, commands that run as pasted. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const text = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

function headings(): string[] {
  let fence = false;
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    else if (!fence && /^#{1,6} /.test(line)) out.push(line);
  }
  return out;
}

test("README.md has about a dozen top-level sections, Quick start, Status page and Troubleshooting among them", () => {
  const top = headings()
    .filter((h) => h.startsWith("## "))
    .map((h) => h.slice(3));
  assert.ok(top.length <= 14, top.join(", "));
  assert.deepEqual(top.slice(0, 3), ["Contents", "Quick start", "Status page"]);
  assert.ok(top.includes("Troubleshooting"));
});

test("every in-page link in README.md names a heading that exists", () => {
  const anchors = new Set(
    headings().map((h) =>
      h
        .replace(/^#+ /, "")
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replaceAll(" ", "-"),
    ),
  );
  const broken = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]).filter((a) => !anchors.has(a));
  assert.deepEqual(broken, []);
});

test("README.md's shell commands hold no literal … (only their comments may)", () => {
  const bad: string[] = [];
  for (const block of text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1].split("\n")) if (line.replace(/(^|\s)#.*$/, "").includes("…")) bad.push(line);
  }
  assert.deepEqual(bad, []);
});

test("the clients appear in the order people use them: Claude Code, Codex, Amp, Gemini CLI, Factory, opencode, SDKs", () => {
  const order = [
    "### Claude Code",
    "### Codex CLI",
    "### Amp CLI",
    "### Gemini CLI",
    "### Factory CLI (droid)",
    "### opencode",
    "### SDKs",
  ];
  const at = order.map((h) => headings().indexOf(h));
  assert.ok(
    at.every((i) => i >= 0),
    `missing: ${order.filter((_, i) => at[i] < 0).join(", ")}`,
  );
  assert.deepEqual(
    [...at].sort((a, b) => a - b),
    at,
  );
});

test("the quick start's three-line config.yaml loads without problems or warnings, with its key and auth-dir", async () => {
  const { load, TEST_HOME } = await import("./support/config.ts");
  const { readmeBlock } = await import("./support/readme.ts");
  const yaml = readmeBlock("file", "config.yaml");
  assert.equal(yaml.trim().split("\n").length, 3);
  const loaded = load(yaml);
  assert.deepEqual(loaded.config.apiKeys, ["change-me-1"]);
  assert.equal(loaded.config.authDir, `${TEST_HOME}/.cli-proxy-api`);
  assert.deepEqual(loaded.warnings, []);
});
