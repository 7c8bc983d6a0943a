import assert from "node:assert/strict";
import { test } from "node:test";
import { cleanGeminiSchema, normalizeSchema } from "../../src/translate/gemini-schema.ts";

test("cleanGeminiSchema() turns a $ref into an object pointing at its definition", () => {
  assert.deepEqual(
    cleanGeminiSchema({
      type: "object",
      properties: { a: { $ref: "#/$defs/Thing", description: "A" } },
      $defs: { Thing: {} },
    }),
    {
      type: "object",
      properties: { a: { type: "object", description: "A (See: Thing)" } },
    },
  );
});

test("cleanGeminiSchema() turns const and numeric enums into string enums", () => {
  assert.deepEqual(
    cleanGeminiSchema({ type: "object", properties: { k: { const: "x" }, n: { type: "integer", enum: [1, 2] } } }),
    {
      type: "object",
      properties: {
        k: { enum: ["x"], type: "string" },
        n: { type: "string", enum: ["1", "2"], description: "Allowed: 1, 2" },
      },
    },
  );
});

test("cleanGeminiSchema() merges allOf members into the parent", () => {
  const out = cleanGeminiSchema({
    allOf: [{ properties: { a: { type: "string" } }, required: ["a"] }, { properties: { b: { type: "number" } } }],
  });
  assert.deepEqual(out, {
    properties: { a: { type: "string" }, b: { type: "number" } },
    required: ["a"],
    type: "object",
  });
});

test("cleanGeminiSchema() cleans array items and picks the richest oneOf branch", () => {
  const out = cleanGeminiSchema({
    type: "object",
    properties: {
      list: { type: "array", items: { type: "string", pattern: "^a" } },
      tuple: { type: "array", items: [{ type: "string", "x-y": 1 }] },
      pick: {
        description: "P",
        oneOf: [{ type: "null" }, { type: "array", items: { type: "string" }, description: "C" }],
      },
      multi: { type: ["integer", "string"] },
    },
  });
  assert.deepEqual(out.properties, {
    list: { type: "array", items: { type: "string", description: "pattern: ^a" } },
    tuple: { type: "array", items: [{ type: "string" }] },
    pick: { description: "P (C)", type: "array", items: { type: "string" } },
    multi: { type: "integer", description: "Accepts: integer | string" },
  });
});

test("cleanGeminiSchema() removes placeholder properties and their required entries", () => {
  const out = cleanGeminiSchema({
    type: "object",
    properties: {
      _: { type: "boolean" },
      reason: { type: "string", description: "Brief explanation of why you are calling this tool" },
      q: { type: "string" },
    },
    required: ["_", "reason", "q"],
  });
  assert.deepEqual(out, { type: "object", properties: { q: { type: "string" } }, required: ["q"] });
});

test("cleanGeminiSchema() makes a missing schema an empty object schema", () => {
  assert.deepEqual(cleanGeminiSchema(undefined), { type: "object", properties: {} });
  assert.deepEqual(cleanGeminiSchema({ type: ["null", "string"] }), { type: "string" });
});

test("normalizeSchema() lower-cases Gemini types and keeps property names that look like keywords", () => {
  assert.deepEqual(
    normalizeSchema(
      { type: "OBJECT", properties: { type: { type: "STRING" }, items: { type: ["STRING", "NULL"] } } },
      "lower",
    ),
    {
      type: "object",
      properties: { type: { type: "string" }, items: { type: ["string", "null"] } },
    },
  );
  assert.deepEqual(normalizeSchema("nope", "lower"), { type: "object", properties: {} });
  assert.deepEqual(normalizeSchema({ type: "array", items: { type: "STRING" } }, "lower"), {
    type: "array",
    items: { type: "string" },
  });
});
