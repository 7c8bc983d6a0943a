import { test } from "node:test";
import assert from "node:assert/strict";
import { MASK, SecretSet, maskKey, redact } from "../../src/log/redact.js";
import { createLogger, escapeControl, fileSink, formatLine } from "../../src/log/log.js";
import { startServer } from "../support/server.js";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("redact() masks known secrets and credential-shaped text", () => {
  const secrets = new SecretSet();
  secrets.set(["my-client-key-1", "abc"]);
  const text = [
    "client my-client-key-1 used",
    "Authorization: Bearer ya29.a0AfH6SMBxyz1234567890",
    "GET /v1/models?key=AIzaSyA1234567890abcdefghijklmnopqrstu&x=1",
    '{"access_token":"tok-123","refresh_token":"r-456"}',
    "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
    "x-api-key=zzz-top",
    "abc stays (too short to be a secret)",
  ].join("\n");
  const out = redact(text, secrets);
  for (const leaked of [
    "my-client-key-1",
    "a0AfH6SMBxyz",
    "SyA1234567890",
    "tok-123",
    "r-456",
    "abcdefghijklmnopqrstuvwxyz",
    "zzz-top",
  ]) {
    assert.ok(!out.includes(leaked), `${leaked} leaked in ${out}`);
  }
  assert.ok(out.includes("abc stays"));
  assert.ok(out.includes(MASK));
});

test("SecretSet keeps learned secrets when the configured ones are replaced", () => {
  const s = new SecretSet();
  s.set(["config-key-1"]);
  s.add("learned-from-secrets-json");
  s.set(["config-key-2"]);
  assert.deepEqual([...s.values()].sort(), ["config-key-2", "learned-from-secrets-json"]);
});

test("SecretSet.add() extends the set and maskKey() keeps only the ends of long keys", () => {
  const s = new SecretSet();
  s.add("first-secret");
  s.add("second-secret");
  assert.deepEqual([...s.values()].sort(), ["first-secret", "second-secret"]);
  assert.equal(maskKey("sk-1234567890abcdef"), "…cdef");
  assert.equal(maskKey("sk-ant-api03-aaaa1111"), "…1111", "never more than the last four characters");
  assert.equal(maskKey("short"), MASK);
});

test("createLogger() filters by level, formats fields, and redacts every line", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", sink: (l) => lines.push(l) });
  log.secrets.set(["super-secret-key"]);
  log.debug("hidden");
  log.info("hello super-secret-key", { n: 1, s: "two words", skip: undefined, b: true });
  log.setLevel("debug");
  log.debug("shown");
  log.warn("w");
  log.error("e");
  assert.equal(lines.length, 4);
  assert.match(lines[0], /INFO hello \[REDACTED\] n=1 s="two words" b=true$/);
  assert.match(lines[1], /DEBUG shown/);
  assert.match(formatLine("warn", "m", { k: null }, new Date(0)), /^1970-01-01T00:00:00.000Z WARN m k=null$/);
});

test("fileSink() appends to main.log and rotates it past the size limit", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-logs-"));
  const sink = fileSink(dir, 100);
  for (let i = 0; i < 5; i++) sink(`line ${i} ${"x".repeat(40)}`);
  await sink.close();
  const files = readdirSync(dir);
  assert.ok(files.includes("main.log"));
  assert.ok(
    files.some((f) => /^main-.*\.log$/.test(f)),
    `rotated file in ${files}`,
  );
  assert.match(readFileSync(join(dir, "main.log"), "utf8"), /line 4/);
});

test("fileSink() writes a burst of lines in batches, each file under the limit, every line whole and in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-logs-"));
  const sink = fileSink(dir, 200);
  const lines = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, "0")} ${"y".repeat(30)}`);
  for (const l of lines) sink(l);
  await sink.close();
  const files = readdirSync(dir).sort((a, b) =>
    a === "main.log"
      ? 1
      : b === "main.log"
        ? -1
        : Number(/-(\d+)\.log$/.exec(a)![1]) - Number(/-(\d+)\.log$/.exec(b)![1]),
  );
  const texts = files.map((f) => readFileSync(join(dir, f), "utf8"));
  for (const t of texts)
    assert.ok(Buffer.byteLength(t) <= 200, `a file of ${Buffer.byteLength(t)} bytes passed the 200-byte limit`);
  assert.deepEqual(texts.join("").split("\n").filter(Boolean), lines);
});

test("batchedSink() writes the lines of one event-loop turn together, in order", async () => {
  const { batchedSink } = await import("../../src/log/log.js");
  const writes: string[] = [];
  const sink = batchedSink((text) => writes.push(text));
  sink("first");
  sink("second");
  assert.deepEqual(writes, [], "nothing is written synchronously");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ["first\nsecond\n"]);
  sink("third");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ["first\nsecond\n", "third\n"]);
});

test("formatLine() escapes control characters in the message and every field: one call, one line", () => {
  const forged = "x\n2026-01-01T00:00:00.000Z ERROR forged\r\u001b[31m\u2028\u0085";
  const line = formatLine("info", `model ${forged}`, { model: forged, n: 1, ok: "plain\tvalue" }, new Date(0));
  assert.doesNotMatch(line, /[\n\r\u001b\u2028\u0085]/);
  assert.match(line, /model x\\n2026-01-01T00:00:00\.000Z ERROR forged\\r\\u001b\[31m\\u2028\\u0085 model="x\\n2026/);
  assert.equal(escapeControl("a\tb"), "a\tb", "a tab cannot start a line");
});

test("a client-chosen model name with a newline cannot forge a log line on a real server", async (t) => {
  const s = await startServer(t, { apiKeys: ["ck-1"] });
  const model = "x\n2026-01-01T00:00:00.000Z ERROR forged\u001b[2J";
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer ck-1", "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  await res.arrayBuffer();
  await new Promise((r) => setImmediate(r));
  assert.ok(
    s.logs.some((l) => l.includes("ERROR forged")),
    "the model name is logged",
  );
  for (const l of s.logs) assert.doesNotMatch(l, /[\n\u001b]/, l);
});
