import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runLogin } from "../../src/oauth/login.js";
import { expiryOf } from "../../src/oauth/store.js";
import { sendJson } from "../support/fake-upstream.js";
import { startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { testTerminal } from "./login-io.js";

const googleToken = {
  access_token: "ya29.anti-access-xxxxxxxxxxxx",
  refresh_token: "1//anti-refresh-xxxx",
  token_type: "Bearer",
  expires_in: 3599,
};

test("S-11 Antigravity without a project in loadCodeAssist onboards on the onboard base; the file has a numeric ms timestamp and expires_in", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("POST /v1internal:loadCodeAssist", (_req, res) =>
    sendJson(res, 200, { currentTier: { id: "standard-tier" } }),
  );
  let n = 0;
  oauth.on("POST /v1internal:onboardUser", (_req, res) => {
    n++;
    sendJson(
      res,
      200,
      n < 2 ? { done: false } : { done: true, response: { cloudaicompanionProject: { id: "anti-proj" } } },
    );
  });
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["antigravity"], term.io), 0, term.err.join("\n"));
  assert.deepEqual(readdirSync(term.authDir), ["antigravity-user@example.com.json"]);
  const file = JSON.parse(readFileSync(join(term.authDir, "antigravity-user@example.com.json"), "utf8"));
  assert.equal(file.type, "antigravity");
  assert.equal(typeof file.timestamp, "number");
  assert.equal(file.timestamp, term.io.now());
  assert.equal(file.expires_in, 3599);
  assert.equal(file.project_id, "anti-proj");
  assert.equal(expiryOf(file), Date.parse(file.expired));
  const load = oauth.calls("POST /v1internal:loadCodeAssist")[0];
  assert.deepEqual(load.json, { metadata: { ideType: "ANTIGRAVITY" } });
  assert.equal(load.headers.accept, "*/*");
  assert.equal(load.headers["user-agent"], "antigravity/hub/2.9.1 darwin/arm64");
  const onboard = oauth.calls("POST /v1internal:onboardUser")[0];
  assert.deepEqual(onboard.json, {
    tier_id: "standard-tier",
    metadata: { ide_type: "ANTIGRAVITY", ide_version: "2.9.1", ide_name: "antigravity" },
  });
  assert.equal(onboard.headers["x-goog-api-client"], "gl-node/22.21.1");
  assert.match(String(onboard.headers["user-agent"]), /google-api-nodejs-client\/10\.3\.0$/);
  const authorize = new URL(oauth.calls("GET /authorize")[0].url, "http://x").searchParams;
  assert.equal(authorize.get("client_id"), "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com");
  assert.equal(authorize.get("scope")!.split(" ").length, 5);
});

test("Antigravity login fails when no project can be found or onboarded", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("POST /v1internal:loadCodeAssist", (_req, res) => sendJson(res, 200, {}));
  oauth.on("POST /v1internal:onboardUser", (_req, res) => sendJson(res, 200, { done: false }));
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["antigravity"], term.io), 1);
  assert.equal(oauth.calls("POST /v1internal:onboardUser").length, 5);
  assert.equal(oauth.calls("POST /v1internal:onboardUser")[0].json.tier_id, "free-tier");
  assert.match(term.err.join("\n"), /no Code Assist project/);
});

test("Antigravity login takes projectId given as {id} from loadCodeAssist", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 200, googleToken));
  oauth.on("POST /v1internal:loadCodeAssist", (_req, res) => sendJson(res, 200, { project: { id: "from-project" } }));
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["antigravity", "--port", "0"], term.io), 0, term.err.join("\n"));
  assert.equal(oauth.calls("POST /v1internal:onboardUser").length, 0);
  assert.equal(
    JSON.parse(readFileSync(join(term.authDir, "antigravity-user@example.com.json"), "utf8")).project_id,
    "from-project",
  );
});
