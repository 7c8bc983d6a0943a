import test from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_ENDPOINTS, endpointsFor, parseProvider, providerOfType } from "../../src/oauth/endpoints.js";
import { challengeOf, isValidState, newPkce, newState, stateMatches } from "../../src/oauth/pkce.js";
import { makeConfig } from "../../src/config/schema.js";
import { describeAnswer, httpCall, parseObject, safeHost } from "../../src/oauth/http.js";
import { classifyRefreshAnswer, retryAfterMs } from "../../src/oauth/vendor.js";

test("endpointsFor() lays oauth-endpoints over the defaults: roots lose trailing slashes, empty values and unknown fields are ignored", () => {
  const config = makeConfig({
    oauthEndpoints: {
      antigravity: {
        "api-base-urls": ["http://m1/", "http://m2"],
        "token-url": "http://t/token",
        "userinfo-url": "  ",
        bogus: "x",
      },
    },
  });
  const ep = endpointsFor("antigravity", config);
  assert.deepEqual(ep.apiBaseUrls, ["http://m1", "http://m2"]);
  assert.equal(ep.tokenUrl, "http://t/token");
  assert.equal(ep.userinfoUrl, DEFAULT_ENDPOINTS.antigravity.userinfoUrl);
  assert.equal(
    endpointsFor("claude", makeConfig({ oauthEndpoints: { claude: { "api-base-url": "http://c/" } } })).apiBaseUrl,
    "http://c",
  );
  assert.deepEqual(
    endpointsFor("antigravity", makeConfig({ oauthEndpoints: { antigravity: { "api-base-urls": "http://one/" } } }))
      .apiBaseUrls,
    ["http://one"],
  );
  assert.deepEqual(endpointsFor("codex", makeConfig()), DEFAULT_ENDPOINTS.codex);
  assert.equal(DEFAULT_ENDPOINTS.codex.redirectUri, "http://localhost:1455/auth/callback");
  assert.equal(DEFAULT_ENDPOINTS.gemini.redirectUri, "http://localhost:8085/oauth2callback");
  assert.equal(DEFAULT_ENDPOINTS.antigravity.redirectUri, "http://localhost:51121/oauth-callback");
});

test("parseProvider() takes the names management and the CLI accept; providerOfType() routes gemini files as gemini-cli", () => {
  assert.deepEqual(
    ["anthropic", "Claude", "openai", "codex", "google", "gemini-cli", "anti-gravity", "x"].map(parseProvider),
    ["claude", "claude", "codex", "codex", "gemini", "gemini", "antigravity", undefined],
  );
  assert.equal(providerOfType("gemini"), "gemini-cli");
  assert.equal(providerOfType("claude"), "claude");
});

test("newState() is 32 lower-case hex, newPkce() a 128-char verifier with its S256 challenge; stateMatches() compares whole values", () => {
  assert.match(newState(), /^[0-9a-f]{32}$/);
  assert.notEqual(newState(), newState());
  const p = newPkce();
  assert.equal(p.verifier.length, 128);
  assert.equal(p.challenge, challengeOf(p.verifier));
  // RFC 7636 appendix B
  assert.equal(
    challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  assert.equal(stateMatches("abc", "abc"), true);
  assert.equal(stateMatches("abc", "abd"), false);
  assert.equal(stateMatches("abc", undefined), false);
  assert.equal(isValidState("gem-123_x.y"), true);
  assert.equal(isValidState("a..b"), false);
  assert.equal(isValidState("x".repeat(129)), false);
});

test("retryAfterMs() reads seconds, HTTP dates and Retry-After-Ms, clamped to 5 s…5 min; classifyRefreshAnswer() sorts failures", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs({ "retry-after": "2" }, now), 5000);
  assert.equal(retryAfterMs({ "retry-after": "60" }, now), 60_000);
  assert.equal(retryAfterMs({ "retry-after": "9999" }, now), 300_000);
  assert.equal(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, now), 30_000);
  assert.equal(retryAfterMs({ "retry-after-ms": "12000" }, now), 12_000);
  assert.equal(retryAfterMs({}, now), 5000);
  const answer = (status: number, text: string) => ({ status, headers: {}, text, json: parseObject(text) });
  assert.equal(classifyRefreshAnswer(answer(400, '{"error":"invalid_grant"}'), "http://h/t", now).kind, "revoked");
  assert.equal(
    classifyRefreshAnswer(answer(400, '{"error":{"message":"refresh_token_reused"}}'), "http://h/t", now).kind,
    "revoked",
  );
  assert.equal(classifyRefreshAnswer(answer(401, "{}"), "http://h/t", now).kind, "revoked");
  assert.equal(classifyRefreshAnswer(answer(502, "bad gateway"), "http://h/t", now).kind, "transient");
  assert.equal(classifyRefreshAnswer(answer(403, "{}"), "http://h/t", now).kind, "failed");
  assert.equal(describeAnswer(answer(400, '{"error":{"message":"nope"}}')), "HTTP 400 (nope)");
  assert.equal(describeAnswer(answer(500, "x")), "HTTP 500");
  assert.equal(safeHost("::"), "invalid URL");
  assert.deepEqual(parseObject("[1]"), {});
});

test("httpCall() turns a refused connection into a NetworkError naming the host", async () => {
  await assert.rejects(
    httpCall({ url: "http://127.0.0.1:1/token", form: { a: "b" } }, { connectTimeoutMs: 2000, timeoutMs: 2000 }),
    /Cannot reach "127\.0\.0\.1:1"/,
  );
});
