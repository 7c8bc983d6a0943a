/**
 * Issue 7's first acceptance point for every provider at once: the authorize parameters of each
 * login, and a callback with the wrong state refused with a clear page, no token request and no file
 * while the listener keeps waiting for the login's own callback (Claude's own cases are S-1…S-3 in
 * login.test.ts).
 */
import test from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { runLogin } from "../../src/oauth/login.js";
import { DEFAULT_ENDPOINTS, type OAuthProvider } from "../../src/oauth/endpoints.js";
import { startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { testTerminal } from "./login-io.js";

const EXPECTED: Record<OAuthProvider, Record<string, string>> = {
  claude: { code: "true", response_type: "code" },
  codex: {
    response_type: "code",
    prompt: "login",
    id_token_add_organizations: "true",
    codex_cli_simplified_flow: "true",
  },
  gemini: { response_type: "code", access_type: "offline", prompt: "consent" },
  antigravity: { response_type: "code", access_type: "offline", prompt: "consent" },
};

for (const provider of Object.keys(EXPECTED) as OAuthProvider[]) {
  test(`${provider} login: authorize carries client_id, scope, an S256 challenge, a 32-hex state and the redirect_uri; a wrong state is refused with no token request and no file`, async (t) => {
    const oauth = await startFakeOAuth(t);
    let authorize: URLSearchParams | undefined;
    let page: { status: number; body: string } | undefined;
    let tokenCallsAfterWrongState = -1;
    let own: number | undefined;
    const term = testTerminal(oauth, {
      browser: async (url) => {
        authorize = new URL(url).searchParams;
        const redirect = new URL(authorize.get("redirect_uri")!);
        const callback = `http://127.0.0.1:${redirect.port}${redirect.pathname}`;
        const res = await fetch(`${callback}?code=c&state=${"0".repeat(32)}`);
        page = { status: res.status, body: await res.text() };
        tokenCallsAfterWrongState = oauth.calls("POST /token").length;
        // The listener is still waiting: the login's own callback (the provider's refusal) ends it.
        own = (await fetch(`${callback}?error=access_denied&state=${authorize.get("state")}`)).status;
        return true;
      },
    });
    const args = provider === "gemini" ? [provider, "--project-id", "p1"] : [provider];
    assert.notEqual(await runLogin(args, term.io), 0);
    const q = authorize!;
    assert.equal(q.get("client_id"), DEFAULT_ENDPOINTS[provider].clientId);
    assert.equal(q.get("scope"), DEFAULT_ENDPOINTS[provider].scope);
    assert.equal(q.get("code_challenge_method"), "S256");
    assert.match(q.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get("state")!, /^[0-9a-f]{32}$/);
    assert.match(q.get("redirect_uri")!, /^http:\/\/127\.0\.0\.1:\d+\//);
    for (const [k, v] of Object.entries(EXPECTED[provider])) assert.equal(q.get(k), v, k);
    assert.equal(page?.status, 400);
    assert.match(page!.body, /Callback refused/);
    assert.doesNotMatch(page!.body, /state=|code=/);
    assert.equal(tokenCallsAfterWrongState, 0);
    assert.equal(own, 400);
    assert.equal(oauth.calls("POST /token").length, 0);
    assert.equal(existsSync(term.authDir), false);
    assert.match(term.err.join("\n"), /access_denied/);
    // Gemini CLI logins say what changed on 2026-06-18 (individual accounts cut off); the others do not.
    assert.equal(
      /individual \(free and Google One\) accounts on 2026-06-18/.test(term.out.join("\n")),
      provider === "gemini",
    );
  });
}
