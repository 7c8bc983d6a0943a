import { test } from "node:test";
import assert from "node:assert/strict";
import { createRouter, route } from "../../src/server/router.js";

const h = async () => {};

test("createRouter() prefers literal over param over wildcard whatever the table order", () => {
  const router = createRouter([
    route("*", "/api/*rest", "plain", h),
    route("GET", "/api/provider/:p/models", "openai", h),
    route("GET", "/api/provider/anthropic/models", "anthropic", h),
  ]);
  const a = router.match("GET", "/api/provider/anthropic/models");
  assert.equal(a.kind === "found" && a.route.dialect, "anthropic");
  const b = router.match("GET", "/api/provider/groq/models");
  assert.ok(b.kind === "found" && b.route.dialect === "openai" && b.params.p === "groq");
  const c = router.match("DELETE", "/api/threads/T-1");
  assert.ok(c.kind === "found" && c.params.rest === "threads/T-1");
  const d = router.match("POST", "/api");
  assert.ok(d.kind === "found" && d.params.rest === "");
});

test("createRouter() reports the allowed methods for a known path and none for an unknown one", () => {
  const router = createRouter([route("POST", "/v1/messages", "anthropic", h), route("GET", "/v1/models", "openai", h)]);
  const m = router.match("GET", "/v1/messages");
  assert.deepEqual(m, { kind: "method", allow: ["POST"], dialect: "anthropic" });
  assert.deepEqual(router.match("GET", "/v2/x"), { kind: "none" });
  assert.equal(router.match("HEAD", "/v1/models").kind, "found", "HEAD is served by GET routes");
  assert.equal(router.match("GET", "/v1/models/extra").kind, "none");
});

test("createRouter() decodes params, keeps undecodable ones raw, and refuses empty segments", () => {
  const router = createRouter([route("POST", "/v1beta/models/:modelAction", "gemini", h)]);
  const m = router.match("POST", "/v1beta/models/gemini-2.5-pro%3AgenerateContent");
  assert.ok(m.kind === "found" && m.params.modelAction === "gemini-2.5-pro:generateContent");
  const raw = router.match("POST", "/v1beta/models/%E0%A4%A");
  assert.ok(raw.kind === "found" && raw.params.modelAction === "%E0%A4%A");
  assert.equal(router.match("POST", "/v1beta/models/").kind, "none");
});

test("createRouter() prefers an exact path over a wildcard that also matches it", () => {
  const router = createRouter([
    route("GET", "/v1beta/models/*rest", "gemini", h),
    route("GET", "/v1beta/models", "openai", h),
    route("*", "/api/*rest", "plain", h),
    route("GET", "/api", "anthropic", h),
  ]);
  const m = router.match("GET", "/v1beta/models");
  assert.ok(m.kind === "found" && m.route.path === "/v1beta/models");
  const w = router.match("GET", "/v1beta/models/x/y");
  assert.ok(w.kind === "found" && w.route.path === "/v1beta/models/*rest");
  const a = router.match("GET", "/api");
  assert.ok(a.kind === "found" && a.route.path === "/api");
});
