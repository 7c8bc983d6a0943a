import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_AMP, type AmpConfig, type AmpModelMapping } from "../../src/config/schema.js";
import { applySuffix, compileMappings, findMapping, mapModel, mapperFor } from "../../src/amp/mappings.js";
import { parseModelName } from "../../src/translate/model-suffix.js";
import { createLogger } from "../../src/log/log.js";

const served = new Set(["claude-sonnet-4-5", "gpt-5.2", "gemini-2.5-pro", "test/gpt-5.2"]);
const resolve = (m: string) => (served.has(parseModelName(m).base) ? { providers: ["p"] } : undefined);
const amp = (modelMappings: AmpModelMapping[]): AmpConfig => ({ ...DEFAULT_AMP, modelMappings });
const map = (mm: AmpModelMapping[], r: string) => mapModel(compileMappings(amp(mm)), r, resolve).mapped;
const m = (from: string, to: string, regex = false): AmpModelMapping => ({ from, to, regex });

test("compileMappings() counts valid entries and skips blank or uncompilable ones with a warning", () => {
  const c = compileMappings(
    amp([m("a", "b"), m(" ", "x"), m("y", ""), m("(?i)z", "q", true), m("^r$", "s", true), m("(?P<n>x)", "t", true)]),
  );
  assert.equal(c.exact.size, 1);
  assert.equal(c.regex.length, 1);
  assert.equal(c.warnings.length, 4);
  assert.match(c.warnings[0], /ampcode\.model-mappings\[1\] skipped/);
  assert.match(c.warnings[2], /regex "\(\?i\)z" does not compile/);
});

test("mapperFor() compiles once per ampcode snapshot and logs warnings once", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) });
  const a = amp([m("", "x")]);
  assert.equal(mapperFor(a, log), mapperFor(a, log));
  assert.equal(lines.length, 1);
  const b = amp([m("", "x")]);
  assert.notEqual(mapperFor(b, log), mapperFor(a, log));
  assert.equal(lines.length, 2);
});

test("mapModel() maps only when the target has a local provider", () => {
  assert.equal(map([m("claude-opus-9", "claude-sonnet-4-5")], "claude-opus-9"), "claude-sonnet-4-5");
  assert.equal(map([m("claude-opus-9", "no-such-model")], "claude-opus-9"), undefined);
  const r = mapModel(compileMappings(amp([m("x", "nope")])), "x", resolve);
  assert.equal(r.hit?.to, "nope");
  assert.deepEqual(r.providers, []);
});

test("mapModel() matches from case-insensitively and ignores unknown and empty input", () => {
  const mm = [m("Claude-Opus-9", "claude-sonnet-4-5")];
  assert.equal(map(mm, "CLAUDE-opus-9"), "claude-sonnet-4-5");
  assert.equal(map(mm, " claude-opus-9 "), "claude-sonnet-4-5");
  assert.equal(map(mm, "other"), undefined);
  assert.equal(map(mm, ""), undefined);
  assert.equal(map([], "claude-opus-9"), undefined);
});

test("mapModel() lets the later of duplicate exact entries win and a new list replace the old", () => {
  assert.equal(map([m("a", "gpt-5.2"), m("A", "claude-sonnet-4-5")], "a"), "claude-sonnet-4-5");
  assert.equal(map([m("b", "gpt-5.2")], "a"), undefined);
});

test("mapModel() tries exact rules before regex rules, and regex rules in order", () => {
  assert.equal(map([m("^g.*", "gpt-5.2", true), m("gx", "gemini-2.5-pro")], "gx"), "gemini-2.5-pro");
  assert.equal(map([m("^g", "gpt-5.2", true), m("^g", "gemini-2.5-pro", true)], "gy"), "gpt-5.2");
  assert.equal(map([m("^G", "gpt-5.2", true), m("^g", "gemini-2.5-pro", true)], "gy"), "gpt-5.2");
});

test("mapModel() matches regex against the base name and keeps the client suffix", () => {
  assert.equal(map([m("^gpt-6.*$", "gpt-5.2", true)], "GPT-6-mini(high)"), "gpt-5.2(high)");
  assert.equal(map([m("mini$", "gpt-5.2", true)], "gpt-6-mini(high)"), "gpt-5.2(high)");
  assert.equal(map([m("(unclosed", "gpt-5.2", true)], "(unclosed"), undefined);
});

test("mapModel() handles the ten thinking-suffix cases", () => {
  const mm = [m("src", "gpt-5.2"), m("cfg", "gpt-5.2(low)"), m("^rx", "gpt-5.2", true), m("slash", "test/gpt-5.2")];
  const cases: Array<[string, string | undefined]> = [
    ["src(16384)", "gpt-5.2(16384)"],
    ["src(high)", "gpt-5.2(high)"],
    ["src", "gpt-5.2"],
    ["cfg(high)", "gpt-5.2(low)"],
    ["rx-1(medium)", "gpt-5.2(medium)"],
    ["src(auto)", "gpt-5.2(auto)"],
    ["src(none)", "gpt-5.2(none)"],
    ["SRC(high)", "gpt-5.2(high)"],
    ["src()", "gpt-5.2"],
    ["src(high", undefined],
  ];
  for (const [r, want] of cases) assert.equal(map(mm, r), want, r);
  assert.equal(map(mm, "slash(xhigh)"), "test/gpt-5.2(xhigh)");
});

test("applySuffix() never appends an empty suffix and lets the target's suffix win", () => {
  assert.equal(applySuffix("gpt-5.2", "gpt-6()"), "gpt-5.2");
  assert.equal(applySuffix("gpt-5.2(low)", "x(high)"), "gpt-5.2(low)");
  assert.equal(applySuffix("gpt-5.2", "x"), "gpt-5.2");
});

test("findMapping() names regex rules by pattern", () => {
  assert.deepEqual(findMapping(compileMappings(amp([m("^a", "b", true)])), "abc"), {
    to: "b",
    rule: "/^a/",
    regex: true,
  });
});
