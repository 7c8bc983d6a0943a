import { test } from "node:test";
import assert from "node:assert/strict";
import { createRewriter, requestToolCasing, restoreToolName } from "../../src/amp/rewrite.js";

const rw = (originalModel = "claude-opus-9", suppressThinking = true, req: Record<string, unknown> = {}) =>
  createRewriter({ originalModel, suppressThinking, tools: requestToolCasing(req) });

test("json() restores the top-level model and leaves bodies without one alone", () => {
  assert.deepEqual(rw().json({ model: "claude-sonnet-4-5", id: "m" }), { model: "claude-opus-9", id: "m" });
  assert.deepEqual(rw().json({ id: "m" }), { id: "m" });
  assert.deepEqual(rw("").json({ model: "x" }), { model: "x" });
});

test("event() restores message.model, response.model and modelVersion", () => {
  const r = rw("gpt-5.4");
  assert.deepEqual(r.event({ type: "message_start", message: { model: "x", content: [] } }), {
    type: "message_start",
    message: { model: "gpt-5.4", content: [] },
  });
  assert.deepEqual(r.event({ type: "response.created", response: { model: "x" } }), {
    type: "response.created",
    response: { model: "gpt-5.4" },
  });
  assert.deepEqual(r.event({ type: "response.completed", response: { model: "x", modelVersion: "y" } }).response, {
    model: "gpt-5.4",
    modelVersion: "gpt-5.4",
  });
  assert.deepEqual(r.event({ candidates: [], modelVersion: "gemini-2.5-pro" }), {
    candidates: [],
    modelVersion: "gpt-5.4",
  });
});

test("event() keeps thinking blocks in streams and adds empty signatures", () => {
  const r = rw();
  assert.deepEqual(
    r.event({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }).content_block,
    { type: "thinking", thinking: "", signature: "" },
  );
  assert.deepEqual(
    r.event({
      type: "content_block_start",
      index: 1,
      content_block: { type: "tool_use", id: "t", name: "bash", input: {} },
    }).content_block,
    {
      type: "tool_use",
      id: "t",
      name: "Bash",
      input: {},
      signature: "",
    },
  );
  assert.deepEqual(r.event({ type: "content_block_start", content_block: { type: "text", text: "" } }).content_block, {
    type: "text",
    text: "",
  });
  const body = r.event({
    content: [
      { type: "thinking", thinking: "t" },
      { type: "tool_use", name: "read", id: "x", input: {} },
    ],
  });
  assert.equal((body.content as unknown[]).length, 2);
});

test("json() drops thinking next to a tool call when suppression is on, and keeps an existing signature", () => {
  const content = () => [
    { type: "thinking", thinking: "t", signature: "s" },
    { type: "tool_use", id: "tu1", name: "read", input: {} },
  ];
  assert.deepEqual(rw().json({ content: content() }).content, [
    { type: "tool_use", id: "tu1", name: "Read", input: {}, signature: "" },
  ]);
  assert.deepEqual(rw("m", false).json({ content: content() }).content, [
    { type: "thinking", thinking: "t", signature: "s" },
    { type: "tool_use", id: "tu1", name: "Read", input: {}, signature: "" },
  ]);
  assert.deepEqual(
    rw().json({
      content: [
        { type: "thinking", thinking: "t", signature: "s" },
        { type: "text", text: "x" },
      ],
    }).content,
    [
      { type: "thinking", thinking: "t", signature: "s" },
      { type: "text", text: "x" },
    ],
  );
});

test("restoreToolName() applies the fixed table, keeps glob and unknown tools, and prefers request casing", () => {
  const none = requestToolCasing({});
  assert.deepEqual(
    ["bash", "READ", "grep", "Glob", "task", "check", "Read_File", "Bash"].map((n) => restoreToolName(n, none)),
    ["Bash", "Read", "Grep", "glob", "Task", "Check", "Read_File", "Bash"],
  );
  const req = requestToolCasing({
    tools: [{ name: "Glob" }, { name: "read_file" }],
    tool_choice: { type: "tool", name: "Set_Title" },
  });
  assert.equal(restoreToolName("glob", req), "Glob");
  assert.equal(restoreToolName("READ_FILE", req), "read_file");
  assert.equal(restoreToolName("set_title", req), "Set_Title");
  const conflict = requestToolCasing({ tools: [{ name: "Glob" }, { name: "glob" }, { name: "Glob" }] });
  assert.equal(restoreToolName("glob", conflict), "glob");
  assert.equal(restoreToolName("GLOB", conflict), "GLOB");
});

test("requestToolCasing() reads OpenAI, Responses and Gemini tool declarations", () => {
  const c = requestToolCasing({
    tools: [
      { type: "function", function: { name: "Bash" } },
      { type: "function", name: "Read_File" },
      { functionDeclarations: [{ name: "Glob" }] },
      { function_declarations: [{ name: "Web" }] },
      "x",
      { function: {} },
    ],
    tool_choice: { type: "auto", name: "Ignored" },
  });
  assert.deepEqual([...c.keys()].sort(), ["bash", "glob", "read_file", "web"]);
});

test("json() and event() restore tool names in translated dialects", () => {
  const r = rw("m", true, { tools: [{ name: "Read_File" }, { name: "Glob" }] });
  const chat = r.json({
    model: "x",
    choices: [{ message: { tool_calls: [{ function: { name: "read_file" } }] } }, "junk"],
  });
  assert.equal((chat as any).choices[0].message.tool_calls[0].function.name, "Read_File");
  const delta = r.event({ choices: [{ delta: { tool_calls: [{ function: { name: "glob" } }, { id: 1 }] } }] });
  assert.equal((delta as any).choices[0].delta.tool_calls[0].function.name, "Glob");
  const resp = r.json({
    output: [
      { type: "function_call", name: "bash" },
      { type: "message", name: "bash" },
    ],
  });
  assert.deepEqual(
    (resp as any).output.map((o: any) => o.name),
    ["Bash", "bash"],
  );
  assert.equal(
    (r.event({ type: "response.output_item.added", item: { type: "function_call", name: "glob" } }) as any).item.name,
    "Glob",
  );
  assert.equal(
    (r.event({ response: { output: [{ type: "function_call", name: "grep" }] } }) as any).response.output[0].name,
    "Grep",
  );
  const gem = r.json({
    candidates: [{ content: { parts: [{ functionCall: { name: "read_file" } }, { text: "x" }] } }, { content: "x" }],
  });
  assert.equal((gem as any).candidates[0].content.parts[0].functionCall.name, "Read_File");
  const wrapped = r.event({ response: { candidates: [{ content: { parts: [{ functionCall: { name: "glob" } }] } }] } });
  assert.equal((wrapped as any).response.candidates[0].content.parts[0].functionCall.name, "Glob");
});

test("event() fixes blocks inside message_start content", () => {
  const e = rw().event({
    type: "message_start",
    message: { model: "x", content: [{ type: "tool_use", name: "bash" }] },
  });
  assert.deepEqual((e as any).message.content[0], { type: "tool_use", name: "Bash", signature: "" });
});
