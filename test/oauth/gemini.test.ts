import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runLogin } from "../../src/oauth/login.js";
import { loadAuthDir } from "../../src/oauth/store.js";
import { geminiCliUserAgent } from "../../src/oauth/gemini.js";
import { sendJson } from "../support/fake-upstream.js";
import { startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { testTerminal } from "./login-io.js";

const googleToken = {
  access_token: "ya29.gemini-access-xxxxxxxxxxxx",
  refresh_token: "1//gemini-refresh-xxxx",
  token_type: "Bearer",
  expires_in: 3599,
};

test("S-9 Gemini --project-id p1: onboardUser done:false then done:true with p1-real, service enabled → gemini-<email>-p1-real.json with checked and the full token", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  let onboards = 0;
  oauth.on("POST /v1internal:onboardUser", (_req, res) => {
    onboards++;
    if (onboards === 1) return sendJson(res, 200, { done: false });
    sendJson(res, 200, { done: true, response: { cloudaicompanionProject: { id: "p1-real" } } });
  });
  oauth.on("GET /v1/projects/p1-real/services/cloudaicompanion.googleapis.com", (_req, res) =>
    sendJson(res, 200, { state: "DISABLED" }),
  );
  oauth.on("POST /v1/projects/p1-real/services/cloudaicompanion.googleapis.com:enable", (_req, res) =>
    sendJson(res, 200, {}),
  );
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["gemini", "--project-id", "p1"], term.io), 0, term.err.join("\n"));
  assert.deepEqual(readdirSync(term.authDir), ["gemini-user@example.com-p1-real.json"]);
  const file = JSON.parse(readFileSync(join(term.authDir, "gemini-user@example.com-p1-real.json"), "utf8"));
  assert.equal(file.type, "gemini");
  assert.equal(file.project_id, "p1-real");
  assert.equal(file.checked, true);
  assert.equal(file.auto, false);
  assert.deepEqual(Object.keys(file.token).sort(), [
    "access_token",
    "client_id",
    "client_secret",
    "expires_in",
    "expiry",
    "refresh_token",
    "scopes",
    "token_type",
    "token_uri",
    "universe_domain",
  ]);
  assert.equal(file.token.scopes.length, 3);
  assert.equal(file.token.universe_domain, "googleapis.com");
  assert.equal(file.token.expires_in, 3599);
  const load = oauth.calls("POST /v1internal:loadCodeAssist")[0];
  assert.deepEqual(load.json, {
    metadata: { ideType: "IDE_UNSPECIFIED", platform: "PLATFORM_UNSPECIFIED", pluginType: "GEMINI" },
    cloudaicompanionProject: "p1",
  });
  assert.equal(load.headers["user-agent"], geminiCliUserAgent());
  assert.equal(load.headers.authorization, `Bearer ${googleToken.access_token}`);
  assert.deepEqual(oauth.calls("POST /v1internal:onboardUser")[0].json.cloudaicompanionProject, "p1");
  assert.equal(oauth.calls("POST /v1internal:onboardUser")[0].json.tierId, "free-tier");
  const exchange = new URLSearchParams(oauth.calls("POST /token")[0].body.toString());
  assert.equal(exchange.get("client_secret"), "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");
  assert.ok(exchange.get("code_verifier"));
  const authorize = new URL(oauth.calls("GET /authorize")[0].url, "http://x").searchParams;
  assert.equal(authorize.get("access_type"), "offline");
  assert.equal(authorize.get("prompt"), "consent");
  assert.match(authorize.get("state")!, /^[0-9a-f]{32}$/);
});

test('S-10 Gemini ALL over two projects → gemini-<email>-all.json, project_id "a,b", two routable credentials', async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["gemini", "--project-id", "ALL"], term.io), 0, term.err.join("\n"));
  assert.deepEqual(readdirSync(term.authDir), ["gemini-user@example.com-all.json"]);
  const file = JSON.parse(readFileSync(join(term.authDir, "gemini-user@example.com-all.json"), "utf8"));
  assert.equal(file.project_id, "a,b");
  const { credentials } = await loadAuthDir(term.authDir);
  const routable = credentials.filter((c) => !c.disabled);
  assert.deepEqual(
    routable.map((c) => [c.id, c.projectId, c.provider]),
    [
      ["gemini-user@example.com-all.json::a", "a", "gemini-cli"],
      ["gemini-user@example.com-all.json::b", "b", "gemini-cli"],
    ],
  );
  assert.equal(routable[0].accessToken, googleToken.access_token);
});

test("Gemini login without --project-id lists the projects and takes a list number typed at the prompt", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  const term = testTerminal(oauth);
  const pending = runLogin(["gemini"], term.io);
  await term.printed(/Project id, list number or ALL/);
  assert.ok(term.out.some((l) => l.includes("2. b (B)")));
  term.type("7");
  await term.printed(/"7" is not one of the listed projects/);
  term.type("2");
  assert.equal(await pending, 0, term.err.join("\n"));
  assert.deepEqual(readdirSync(term.authDir), ["gemini-user@example.com-b.json"]);
});

test("Gemini GOOGLE_ONE takes the project Code Assist assigns, polling onboardUser when loadCodeAssist has none", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("POST /v1internal:loadCodeAssist", (_req, res) =>
    sendJson(res, 200, { allowedTiers: [{ id: "standard-tier", isDefault: false }] }),
  );
  let n = 0;
  oauth.on("POST /v1internal:onboardUser", (req, res) => {
    n++;
    if (n === 1) return sendJson(res, 200, { done: false });
    sendJson(res, 200, {
      done: true,
      response: { cloudaicompanionProject: req.json.cloudaicompanionProject ?? "managed-1" },
    });
  });
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["gemini", "--project-id", "GOOGLE_ONE"], term.io), 0, term.err.join("\n"));
  assert.equal(oauth.calls("GET /projects").length, 0);
  assert.equal(oauth.calls("POST /v1internal:onboardUser")[0].json.tierId, "legacy-tier");
  const file = JSON.parse(readFileSync(join(term.authDir, "gemini-user@example.com-managed-1.json"), "utf8"));
  assert.equal(file.auto, true);
});

test('Gemini login fails with "project activation required" when the service cannot be enabled', async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("GET /v1/projects/p1/services/cloudaicompanion.googleapis.com", (_req, res) => sendJson(res, 403, {}));
  oauth.on("POST /v1/projects/p1/services/cloudaicompanion.googleapis.com:enable", (_req, res) =>
    sendJson(res, 403, { error: { message: "denied" } }),
  );
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["gemini", "--project-id", "p1"], term.io), 1);
  assert.match(term.err.join("\n"), /project activation required/);
});

test('Gemini login accepts a 400 "already enabled" from service usage', async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("GET /v1/projects/p1/services/cloudaicompanion.googleapis.com", (_req, res) =>
    sendJson(res, 200, { state: "DISABLED" }),
  );
  oauth.on("POST /v1/projects/p1/services/cloudaicompanion.googleapis.com:enable", (_req, res) =>
    sendJson(res, 400, { error: { message: "Service is already enabled" } }),
  );
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["gemini", "--project-id", "p1"], term.io), 0, term.err.join("\n"));
});

test("Gemini login fails when userinfo returns no email", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("GET /userinfo", (_req, res) => sendJson(res, 200, {}));
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["gemini", "--project-id", "p1"], term.io), 1);
  assert.match(term.err.join("\n"), /userinfo returned no email/);
});
