import test from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runLogin, parseLoginArgs, isUpstreamLogin } from "../../src/oauth/login.js";
import { challengeOf } from "../../src/oauth/pkce.js";
import { sendJson } from "../support/fake-upstream.js";
import { claudeTokenAnswer, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import { printedUrl, testTerminal } from "./login-io.js";

function readJsonFile(path: string): Record<string, any> {
  return JSON.parse(readFileSync(path, "utf8"));
}

test("S-1 Claude authorize URL: client_id, exact scope, code=true, S256 challenge matching the later verifier, 32-hex state, default redirect_uri", async (t) => {
  const oauth = await startFakeOAuth(t);
  const { "redirect-uri": _registered, ...claude } = oauth.endpoints().claude;
  const eps = { ...oauth.endpoints(), claude };
  const term = testTerminal(oauth, { browser: "none", config: { oauthEndpoints: eps } });
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  const port = (blocker.address() as AddressInfo).port;
  await new Promise((r) => blocker.close(r));
  const pending = runLogin(["claude", "--no-browser", "--port", String(port)], term.io);
  await term.printed(/authorize\?/);
  const url = printedUrl(term);
  const q = url.searchParams;
  assert.equal(q.get("client_id"), "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
  assert.equal(
    q.get("scope"),
    "user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload",
  );
  assert.equal(q.get("code"), "true");
  assert.equal(q.get("response_type"), "code");
  assert.equal(q.get("code_challenge_method"), "S256");
  assert.match(q.get("state")!, /^[0-9a-f]{32}$/);
  assert.equal(q.get("redirect_uri"), "http://localhost:54545/callback");
  // The listener moved (port 0 here), the redirect_uri did not: the hint forwards the registered port to it.
  assert.ok(
    term.out.some((l) => l.includes(`ssh -L 54545:127.0.0.1:${port} <user>@<server>`)),
    term.out.join("\n"),
  );
  await term.printed(/Paste the final redirect URL/);
  term.type(`http://localhost:54545/callback?code=c1&state=${q.get("state")}`);
  assert.equal(await pending, 0);
  const exchange = oauth.calls("POST /token")[0].json;
  assert.equal(challengeOf(exchange.code_verifier), q.get("code_challenge"));
  assert.equal(exchange.code_verifier.length, 128);
  assert.equal(exchange.redirect_uri, "http://localhost:54545/callback");
});

test("S-2 Claude exchange splits abc#xyz into code and state; claude-<email>.json is 0600 with the §2 fields and expired = now + expires_in", async (t) => {
  const oauth = await startFakeOAuth(t, "abc#xyz");
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["claude"], term.io), 0, term.err.join("\n"));
  const body = oauth.calls("POST /token")[0].json;
  assert.equal(body.code, "abc");
  assert.equal(body.state, "xyz");
  assert.equal(body.grant_type, "authorization_code");
  assert.equal(body.client_id, "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
  const path = join(term.authDir, "claude-user@example.com.json");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(term.authDir).mode & 0o777, 0o700);
  const file = readJsonFile(path);
  assert.deepEqual(Object.keys(file).sort(), [
    "access_token",
    "account_uuid",
    "disabled",
    "email",
    "expired",
    "id_token",
    "last_refresh",
    "refresh_token",
    "type",
  ]);
  assert.equal(file.type, "claude");
  assert.equal(file.id_token, "");
  assert.equal(file.email, "user@example.com");
  assert.equal(file.disabled, false);
  const now = term.io.now();
  assert.ok(Math.abs(Date.parse(file.expired) - (now + 28800_000)) <= 2000);
  assert.match(file.expired, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(term.out.some((l) => l.includes("claude-user@example.com.json") && l.includes("user@example.com")));
  assert.deepEqual(readdirSync(term.authDir), ["claude-user@example.com.json"]);
});

test("S-3 wrong state on the callback: error page, no token request, no file; the login keeps waiting for its own callback", async (t) => {
  const oauth = await startFakeOAuth(t);
  let page: { status: number; body: string } | undefined;
  let after: { status: number; body: string } | undefined;
  const term = testTerminal(oauth, {
    browser: async (url) => {
      const redirect = new URL(new URL(url).searchParams.get("redirect_uri")!);
      const res = await fetch(`${redirect.origin}${redirect.pathname}?code=c&state=${"0".repeat(32)}`);
      page = { status: res.status, body: await res.text() };
      assert.equal(oauth.calls("POST /token").length, 0, "the wrong state led to no token request");
      assert.equal(existsSync(term.authDir), false, "nor to a file");
      // Still listening: the login's own callback (here the provider's refusal) ends it.
      const own = await fetch(
        `${redirect.origin}${redirect.pathname}?error=access_denied&state=${new URL(url).searchParams.get("state")}`,
      );
      after = { status: own.status, body: await own.text() };
      return true;
    },
  });
  assert.equal(await runLogin(["claude"], term.io), 1);
  assert.equal(page?.status, 400);
  assert.match(page!.body, /Callback refused/);
  assert.doesNotMatch(page!.body, /code=|state=/);
  assert.deepEqual([after?.status, /Login failed/.test(after?.body ?? "")], [400, true]);
  assert.equal(oauth.calls("POST /token").length, 0);
  assert.equal(existsSync(term.authDir), false);
  assert.match(term.err.join("\n"), /access_denied/);
});

test("S-4 error=access_denied fails the login with that error, writes no file and exits non-zero", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("GET /authorize", (req, res) => {
    const q = new URL(req.url, "http://x").searchParams;
    res.writeHead(302, { location: `${q.get("redirect_uri")}?error=access_denied&state=${q.get("state")}` }).end();
  });
  const term = testTerminal(oauth);
  const code = await runLogin(["codex"], term.io);
  assert.notEqual(code, 0);
  assert.match(term.err.join("\n"), /access_denied/);
  assert.equal(existsSync(term.authDir), false);
});

test("S-5 a busy callback port fails at once naming the port: exit 13 for claude and codex, 1 for gemini", async (t) => {
  const oauth = await startFakeOAuth(t);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  for (const [provider, exit] of [
    ["claude", 13],
    ["codex", 13],
    ["gemini", 1],
  ] as const) {
    const term = testTerminal(oauth);
    assert.equal(await runLogin([provider, "--port", String(port)], term.io), exit);
    assert.match(term.err.join("\n"), new RegExp(`port ${port}`));
    assert.equal(term.opened.length, 0);
  }
});

test("S-6 --no-browser: an empty line keeps waiting, garbage is refused, the pasted redirect URL completes the login", async (t) => {
  const oauth = await startFakeOAuth(t);
  const term = testTerminal(oauth, { browser: "none" });
  const pending = runLogin(["claude", "--no-browser"], term.io);
  await term.printed(/Paste the final redirect URL/);
  assert.equal(term.opened.length, 0);
  assert.ok(term.out.some((l) => /ssh -L \d+:127\.0\.0\.1:\d+ <user>@<server>/.test(l)));
  const state = printedUrl(term).searchParams.get("state");
  term.type("");
  term.type("this is garbage");
  await term.printed(
    /Not accepted: callback URL missing code\. Paste the whole address from the browser's address bar after logging in; it starts with http:\/\/(localhost|127\.0\.0\.1):\d+\/callback\?code=/,
  );
  term.type(`?code=c&state=${"f".repeat(32)}`);
  await term.printed(/state does not match/);
  assert.equal(oauth.calls("POST /token").length, 0);
  term.type(`http://localhost:54545/callback?code=c&state=${state}`);
  assert.equal(await pending, 0, term.err.join("\n"));
  assert.equal(oauth.calls("POST /token")[0].json.code, "c");
  assert.ok(existsSync(join(term.authDir, "claude-user@example.com.json")));
});

test("S-23 login output contains none of the fake tokens, codes or verifiers", async (t) => {
  const oauth = await startFakeOAuth(t, "secret-code-xyz");
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["claude"], term.io), 0);
  const all = [...term.out, ...term.err].join("\n");
  const answer = claudeTokenAnswer(1);
  for (const secret of [
    answer.access_token,
    answer.refresh_token,
    "secret-code-xyz",
    oauth.calls("POST /token")[0].json.code_verifier,
  ]) {
    assert.equal(all.includes(String(secret)), false, `output leaked ${secret}`);
  }
});

test("runLogin() fails when the token endpoint refuses the code, naming the host and the OAuth error", async (t) => {
  const oauth = await startFakeOAuth(t);
  oauth.on("POST /token", (_req, res) => sendJson(res, 400, { error: "invalid_grant", error_description: "bad code" }));
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["claude"], term.io), 1);
  assert.match(
    term.err.join("\n"),
    /token exchange at "127\.0\.0\.1:\d+" answered HTTP 400 \(invalid_grant: bad code\)/,
  );
});

test("parseLoginArgs() accepts the cliproxy spelling and upstream's flags", () => {
  assert.deepEqual(parseLoginArgs(["claude", "--no-browser", "--port", "9000"]), {
    provider: "claude",
    noBrowser: true,
    device: false,
    port: 9000,
  });
  assert.deepEqual(parseLoginArgs(["-codex-device-login", "-no-browser"]), {
    provider: "codex",
    noBrowser: true,
    device: true,
  });
  assert.deepEqual(parseLoginArgs(["-login", "-project_id", "p1", "-oauth-callback-port", "0"]), {
    provider: "gemini",
    noBrowser: false,
    device: false,
    projectId: "p1",
  });
  assert.deepEqual(parseLoginArgs(["gemini", "--project-id=ALL", "--config=c.yaml"]), {
    provider: "gemini",
    noBrowser: false,
    device: false,
    projectId: "ALL",
    config: "c.yaml",
  });
  assert.match(parseLoginArgs([]) as string, /Name a provider/);
  assert.match(parseLoginArgs(["claude", "--device"]) as string, /codex only/);
  assert.match(parseLoginArgs(["claude", "--port", "x"]) as string, /port number/);
  assert.match(parseLoginArgs(["nope"]) as string, /Unknown login argument "nope"/);
  assert.equal(isUpstreamLogin(["-claude-login"]), true);
  assert.equal(isUpstreamLogin(["--port", "1"]), false);
});

test("runLogin() exits 2 with the usage on a bad argument", async (t) => {
  const oauth = await startFakeOAuth(t);
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["bogus"], term.io), 2);
  assert.match(term.err.join("\n"), /Usage: cliproxy login/);
});

test("a bad paste is reported once however many lines it has, and a redirect URL split over two lines is put back together", async (t) => {
  const oauth = await startFakeOAuth(t);
  const term = testTerminal(oauth, { browser: "none" });
  const pending = runLogin(["claude", "--no-browser"], term.io);
  await term.printed(/Paste the final redirect URL/);
  const state = printedUrl(term).searchParams.get("state")!;
  for (const line of ["some", "multi-line", "garbage"]) term.type(line);
  const url = `http://localhost:54545/callback?code=c&state=${state}`;
  term.type(url.slice(0, 40));
  term.type(url.slice(40));
  assert.equal(await pending, 0, term.err.join("\n"));
  assert.equal(term.err.filter((l) => l.startsWith("Not accepted")).length, 1, term.err.join("\n"));
  assert.equal(oauth.calls("POST /token")[0].json.code, "c");
});

test("login says how long it waits and what to do when no browser opens", async (t) => {
  const oauth = await startFakeOAuth(t);
  const term = testTerminal(oauth);
  assert.equal(await runLogin(["claude"], term.io), 0);
  assert.ok(
    term.out.some((l) =>
      /^Waiting up to \d+ (minutes?|s) for the login to come back to http:\/\/(localhost|127\.0\.0\.1):\d+\/callback/.test(
        l,
      ),
    ),
    term.out.join("\n"),
  );
  assert.ok(
    term.out.some((l) => /If no browser opened, copy the URL above into one.*--no-browser/.test(l)),
    term.out.join("\n"),
  );
});
