import test from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runLogin } from "../../src/oauth/login.js";
import { codexFileName, codexIdentity } from "../../src/oauth/codex.js";
import { sendJson } from "../support/fake-upstream.js";
import { idToken, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { printedUrl, testTerminal } from "./login-io.js";

function codexAnswer(plan: string, accountId = "acct-123"): Record<string, unknown> {
  return {
    access_token: "codex-access-1-xxxxxxxx",
    refresh_token: "codex-refresh-1-xxxxxxxx",
    token_type: "Bearer",
    expires_in: 3600,
    id_token: idToken({
      email: "dev@example.com",
      "https://api.openai.com/auth": { chatgpt_account_id: accountId, chatgpt_plan_type: plan },
    }),
  };
}

test("S-7 Codex plan plus writes codex-<email>-plus.json; team writes codex-<8hex>-<email>-team.json; account_id comes from the auth claim", async (t) => {
  const oauth = await startFakeOAuth(t);
  for (const plan of ["plus", "team"]) {
    oauth.on("POST /token", (_req, res) => sendJson(res, 200, codexAnswer(plan)));
    const term = testTerminal(oauth);
    assert.equal(await runLogin(["codex"], term.io), 0, term.err.join("\n"));
    const h = createHash("sha256").update("acct-123").digest("hex").slice(0, 8);
    const name = plan === "plus" ? "codex-dev@example.com-plus.json" : `codex-${h}-dev@example.com-team.json`;
    assert.deepEqual(readdirSync(term.authDir), [name]);
    const file = JSON.parse(readFileSync(join(term.authDir, name), "utf8"));
    assert.equal(file.type, "codex");
    assert.equal(file.account_id, "acct-123");
    assert.equal(file.email, "dev@example.com");
    assert.ok(file.id_token.length > 20);
    assert.ok(file.expired && file.last_refresh);
  }
  const authorize = new URL(oauth.calls("GET /authorize")[0].url, "http://x").searchParams;
  assert.equal(authorize.get("client_id"), "app_EMoamEEZ73f0CkXaXp7hrann");
  assert.equal(authorize.get("scope"), "openid email profile offline_access");
  assert.equal(authorize.get("prompt"), "login");
  assert.equal(authorize.get("id_token_add_organizations"), "true");
  assert.equal(authorize.get("codex_cli_simplified_flow"), "true");
  assert.equal(authorize.get("code_challenge_method"), "S256");
  const exchange = new URLSearchParams(oauth.calls("POST /token")[0].body.toString());
  assert.equal(exchange.get("grant_type"), "authorization_code");
  assert.equal(exchange.get("code"), "fake-code-123");
  assert.ok(exchange.get("code_verifier"));
});

test("S-8 Codex device flow: two 403 polls then success; the string interval is honoured; the exchange uses the device redirect_uri and the returned verifier", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /device/usercode", (_req, res) =>
    sendJson(res, 200, { device_auth_id: "dev-1", user_code: "ABCD-EFGH", interval: "1" }),
  );
  let polls = 0;
  oauth.on("POST /device/token", (_req, res) => {
    polls++;
    if (polls <= 2) return sendJson(res, 403, { error: "pending" });
    sendJson(res, 200, { authorization_code: "dev-code", code_verifier: "dev-verifier", code_challenge: "x" });
  });
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, codexAnswer("pro")));
  const term = testTerminal(oauth, { browser: "none" });
  const start = term.io.now();
  assert.equal(await runLogin(["codex", "--device", "--no-browser"], term.io), 0, term.err.join("\n"));
  assert.equal(polls, 3);
  assert.equal(term.io.now() - start, 3000);
  assert.deepEqual(oauth.calls("POST /device/usercode")[0].json, { client_id: "app_EMoamEEZ73f0CkXaXp7hrann" });
  assert.deepEqual(oauth.calls("POST /device/token")[0].json, { device_auth_id: "dev-1", user_code: "ABCD-EFGH" });
  const exchange = new URLSearchParams(oauth.calls("POST /token")[0].body.toString());
  assert.equal(exchange.get("redirect_uri"), `${oauth.url}/deviceauth/callback`);
  assert.equal(exchange.get("code_verifier"), "dev-verifier");
  assert.equal(exchange.get("code"), "dev-code");
  assert.ok(term.out.some((l) => l.includes("ABCD-EFGH") && l.includes(`${oauth.url}/device`)));
  assert.deepEqual(readdirSync(term.authDir), ["codex-dev@example.com-pro.json"]);
});

test("Codex device flow fails on an answer other than pending or success", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /device/usercode", (_req, res) => sendJson(res, 200, { device_auth_id: "dev-1", usercode: "ZZ" }));
  oauth.on("POST /device/token", (_req, res) => sendJson(res, 500, { error: "boom" }));
  const term = testTerminal(oauth, { browser: "none" });
  assert.equal(await runLogin(["codex", "--device"], term.io), 1);
  assert.match(term.err.join("\n"), /device token poll .* HTTP 500/);
  assert.equal(term.io.now() - 1_700_000_000_000, 5000);
});

test("codexFileName() reduces plans and emails to one safe path segment", () => {
  assert.equal(codexFileName("a@b.c", undefined, undefined), "codex-a@b.c.json");
  assert.equal(codexFileName("a@b.c", "Pro Lite!", undefined), "codex-a@b.c-pro-lite.json");
  assert.equal(codexFileName("../../etc/passwd", "plus", undefined), "codex-____etc_passwd-plus.json");
  assert.deepEqual(codexIdentity("not-a-jwt"), { email: undefined, accountId: undefined, plan: undefined });
});

test("Codex login refuses an id_token without an email", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, { access_token: "a-xxxxxxxx", id_token: idToken({}) }));
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["codex"], term.io), 1);
  assert.match(term.err.join("\n"), /id_token has no email/);
  assert.equal(printedUrl(term).searchParams.get("response_type"), "code");
});
