// Claude cache breakpoints as CLIProxyAPI HEAD a7e3596b7 claude_executor_cloaking.go places and limits them.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cacheSections,
  countCacheControls,
  enforceCacheLimit,
  ensureCacheControl,
} from "../../src/providers/claude-cache.js";
import { makeConfig } from "../../src/config/schema.js";
import { buildClaudeRequest } from "../../src/providers/claude.js";
import { cred, input } from "./support.js";

const E = { type: "ephemeral" };

test("ensureCacheControl() marks the last system block and the last cacheable message, and the last tool only without a system", () => {
  const body: Record<string, unknown> = {
    system: "S",
    tools: [{ name: "a" }, { name: "b" }],
    messages: [
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "a" },
          { type: "thinking", thinking: "t" },
        ],
      },
    ],
  };
  ensureCacheControl(body);
  assert.deepEqual(body.system, [{ type: "text", text: "S", cache_control: E }]);
  assert.equal((body.tools as Array<Record<string, unknown>>)[1].cache_control, undefined);
  assert.deepEqual((body.messages as Array<Record<string, unknown>>)[0].content, [
    { type: "text", text: "q", cache_control: E },
  ]);
  const noSystem: Record<string, unknown> = {
    tools: [{ name: "a" }, { name: "b", defer_loading: true }],
    messages: [],
  };
  ensureCacheControl(noSystem);
  assert.deepEqual((noSystem.tools as Array<Record<string, unknown>>)[0].cache_control, E);
});

test("enforceCacheLimit() keeps 4 breakpoints, dropping earlier system blocks, then earlier tools, then the oldest messages", () => {
  const mark = (text: string) => ({ type: "text", text, cache_control: E });
  const body: Record<string, unknown> = {
    system: [mark("s1"), mark("s2")],
    tools: [
      { name: "t1", cache_control: E },
      { name: "t2", cache_control: E },
    ],
    messages: [
      { role: "user", content: [mark("m1")] },
      { role: "user", content: [mark("m2")] },
    ],
  };
  enforceCacheLimit(body);
  assert.equal(countCacheControls(body), 4);
  const sys = body.system as Array<Record<string, unknown>>;
  assert.equal(sys[0].cache_control, undefined);
  assert.deepEqual(sys[1].cache_control, E);
  assert.equal((body.tools as Array<Record<string, unknown>>)[0].cache_control, undefined);
  enforceCacheLimit(body, 2);
  assert.equal(countCacheControls(body), 2);
  assert.deepEqual(sys[1].cache_control, E, "the last system block is the last to go");
});

test("buildClaudeRequest() on an API key adds breakpoints only to bodies without any, and claude-auto-cache-control: false turns it off", () => {
  const plain = { model: "claude-sonnet-4-5", max_tokens: 8, system: "S", messages: [{ role: "user", content: "hi" }] };
  const on = JSON.parse(buildClaudeRequest(input(cred("claude"), plain)).body.toString());
  assert.deepEqual(on.system, [{ type: "text", text: "S", cache_control: E }]);
  assert.deepEqual(on.messages[0].content, [{ type: "text", text: "hi", cache_control: E }]);
  const off = input(cred("claude"), plain, { config: makeConfig({ claudeAutoCacheControl: false }) });
  assert.equal(buildClaudeRequest(off).body, off.body);
  const own = input(cred("claude"), { ...plain, system: [{ type: "text", text: "S", cache_control: E }] });
  assert.equal(buildClaudeRequest(own).body, own.body);
  const bigInt = input(
    cred("claude"),
    '{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":"n 12345678901234567890"}]}',
  );
  assert.equal(buildClaudeRequest(bigInt).body, bigInt.body);
});

test("cacheSections() gives ensureCacheControl() a copy to mark: the same result as on a deep copy, the original untouched", () => {
  const bodies: Array<Record<string, unknown>> = [
    { system: "S", tools: [{ name: "a" }], messages: [{ role: "user", content: "q" }] },
    { system: "  ", tools: [{ name: "a" }, { name: "b", defer_loading: true }], messages: [] },
    {
      system: [{ type: "text", text: "s1" }, 7, { type: "text", text: "s2" }],
      messages: [
        "junk",
        {
          role: "user",
          content: [
            { type: "text", text: "q" },
            { type: "image", source: { data: "x" } },
          ],
        },
        { role: "assistant", content: [{ type: "thinking", thinking: "t" }] },
      ],
    },
    { messages: [{ role: "system", content: "x" }, { role: "assistant" }] },
  ];
  for (const body of bodies) {
    const before = structuredClone(body);
    const deep = structuredClone(body);
    const deepChanged = ensureCacheControl(deep);
    const copy = cacheSections(body);
    const changed = ensureCacheControl(copy);
    assert.deepEqual(body, before, "the original is never written");
    assert.deepEqual([...changed].sort(), [...deepChanged].sort());
    for (const k of ["system", "tools", "messages"]) assert.deepEqual(copy[k], deep[k], k);
    for (const k of changed) assert.notDeepEqual(copy[k], before[k], `${k} reported changed`);
  }
});
