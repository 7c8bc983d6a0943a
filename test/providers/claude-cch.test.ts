import { test } from "node:test";
import assert from "node:assert/strict";
import { CCH_SEED, signClaudeBody, withCchPlaceholder, xxh64 } from "../../src/providers/claude-cch.js";

// Vectors from CLIProxyAPI HEAD a7e3596b7 internal/runtime/executor/claude_signing_test.go (Claude Code 2.1.220).
const BASE = `{"model":"model-a","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.220.test; cc_entrypoint=sdk-cli; cch=00000;"},{"type":"text","text":"system-x"}],"tools":[],"metadata":{"user_id":"meta-x"},"max_tokens":1,"thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"effort":"high"},"stream":true}`;
const META = `"metadata":{"user_id":"meta-x"}`;
const VECTORS: Array<[string, string]> = [
  [BASE, "7ee87"],
  [BASE.replace(`"model":"model-a"`, `"model":"model-b"`), "7ee87"],
  [BASE.replace(`"max_tokens":1`, `"max_tokens":2`), "7ee87"],
  [BASE.replace(`"text":"x"`, `"text":"y"`), "b9cc8"],
  [BASE.replace(`"system-x"`, `"system-y"`), "a30d3"],
  [BASE.replace(`"stream":true}`, `"stream":true,"extra_top":"extra"}`), "2d622"],
  [BASE.replace(META, `"metadata":{"user_id":"meta-x","model":"a"}`), "0601b"],
  [BASE.replace(META, `"metadata":{"user_id":"meta-x","max_tokens":2}`), "7ee87"],
  [BASE.replace(`"stream":true}`, `"stream":true,"fallbacks":[{"model":"fallback-a"}]}`), "7ee87"],
  [
    BASE.replace(META, `"metadata":{"user_id":"meta-x","max_tokens":999,"fallbacks":[{"model":"fallback-model"}]}`),
    "4589b",
  ],
  [
    BASE.replace(
      META,
      `"metadata":{"user_id":"meta-x","model":"nested-model","max_tokens":999,"fallbacks":[{"model":"fallback-model"}],"fallback_credit_token":"not-a-real-token"}`,
    ),
    "2d312",
  ],
  [
    BASE.replace(
      META,
      `"metadata":{"user_id":"meta-x","max_tokens":999,"model":"nested-model","fallbacks":[{"model":"fallback-model"}]}`,
    ),
    "0601b",
  ],
  [
    `{"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.220.test; cc_entrypoint=sdk-cli; cch=00000;"}]}`,
    "f2edb",
  ],
];

test("xxh64() matches the reference values", () => {
  assert.equal(xxh64(Buffer.alloc(0), 0n), 0xef46db3751d8e999n);
  assert.equal(xxh64(Buffer.from("abc"), 0n), 0x44bc2cf5ad770999n);
  assert.equal(typeof xxh64(Buffer.alloc(100, 7), CCH_SEED), "bigint");
});

test("signClaudeBody() reproduces Claude Code 2.1.220's cch on HEAD's known vectors and changes nothing else", () => {
  for (const [body, want] of VECTORS) {
    const signed = signClaudeBody(Buffer.from(body)).toString();
    assert.match(signed, new RegExp(`cch=${want};`), body);
    assert.equal(signed.replace(/cch=[0-9a-f]{5};/, "cch=00000;"), body);
  }
});

test("signClaudeBody() leaves bodies without a billing cch alone and withCchPlaceholder() adds one after cc_entrypoint", () => {
  const plain = Buffer.from('{"system":"hi","messages":[]}');
  assert.equal(signClaudeBody(plain), plain);
  assert.equal(
    withCchPlaceholder("x-anthropic-billing-header: cc_version=2.1.220.abc; cc_entrypoint=cli;"),
    "x-anthropic-billing-header: cc_version=2.1.220.abc; cc_entrypoint=cli; cch=00000;",
  );
  assert.equal(
    withCchPlaceholder("x-anthropic-billing-header: cc_version=1; cc_entrypoint=cli; cch=12abc;"),
    "x-anthropic-billing-header: cc_version=1; cc_entrypoint=cli; cch=12abc;",
  );
  assert.equal(withCchPlaceholder("no entrypoint"), "no entrypoint");
});
