import test from "node:test";
import assert from "node:assert/strict";
import { LoginError, parsePastedCallback, startCallbackServer } from "../../src/oauth/callback.js";

const STATE = "0123456789abcdef0123456789abcdef";

test("parsePastedCallback() accepts every shape of oauth.md §1.4 and refuses text without code or error", () => {
  const want = { code: "c", state: STATE, error: undefined };
  assert.deepEqual(parsePastedCallback(`http://localhost:54545/callback?code=c&state=${STATE}`), want);
  assert.deepEqual(parsePastedCallback(`localhost:54545/callback?code=c&state=${STATE}`), want);
  assert.deepEqual(parsePastedCallback(`127.0.0.1:8085/oauth2callback?code=c&state=${STATE}`), want);
  assert.deepEqual(parsePastedCallback(`?code=c&state=${STATE}`), want);
  assert.deepEqual(parsePastedCallback(`code=c&state=${STATE}`), want);
  assert.deepEqual(
    parsePastedCallback(`https://console.anthropic.com/oauth/code/callback#code=c&state=${STATE}`),
    want,
  );
  assert.deepEqual(parsePastedCallback(`c#${STATE}`), { code: "c", state: STATE });
  assert.deepEqual(parsePastedCallback("http://localhost:1455/auth/callback?error=access_denied"), {
    code: undefined,
    state: undefined,
    error: "access_denied",
  });
  for (const bad of ["hello world", "http://localhost:1/x?state=s", "", "?a=b"]) {
    assert.throws(
      () => parsePastedCallback(bad),
      (e: LoginError) => e instanceof LoginError && e.message === "callback URL missing code",
    );
  }
});

test("the callback listener answers 405 to POST, 404 elsewhere, the static page on /success, binds loopback only, and refuses a callback without a state", async () => {
  const cb = await startCallbackServer({
    port: 0,
    paths: ["/callback"],
    successPaths: ["/success"],
    expectedState: STATE,
    waitMs: 5000,
  });
  const base = `http://127.0.0.1:${cb.port}`;
  assert.equal((await fetch(`${base}/callback`, { method: "POST" })).status, 405);
  assert.equal((await fetch(`${base}/other`)).status, 404);
  const success = await fetch(`${base}/success?platform_url=<script>`);
  assert.equal(success.status, 200);
  assert.equal((await success.text()).includes("<script>"), false);
  const noState = await fetch(`${base}/callback?code=c`);
  assert.equal(noState.status, 400);
  assert.match(await noState.text(), /Callback refused/);
  await cb.close();
  await assert.rejects(cb.result, /Login cancelled/, "the state-less callback settled nothing");
  await assert.rejects(fetch(`${base}/callback`));
});

test("the callback listener refuses a callback without a code, and the first result wins over a later one", async () => {
  const cb = await startCallbackServer({ port: 0, paths: ["/cb"], expectedState: STATE });
  const res = await fetch(`http://127.0.0.1:${cb.port}/cb?state=${STATE}`);
  assert.equal(res.status, 400);
  cb.offer({ code: "late", state: STATE });
  await assert.rejects(cb.result, /no_code/);
  await cb.close();
});

test("a callback with another state or none, ?error=x included, gets 400 and leaves the login waiting; only this login's state settles it", async () => {
  const cb = await startCallbackServer({ port: 0, paths: ["/callback"], expectedState: STATE, waitMs: 5000 });
  const base = `http://127.0.0.1:${cb.port}/callback`;
  let settled = false;
  cb.result.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (const q of [
    "error=access_denied",
    `error=access_denied&state=${"f".repeat(32)}`,
    `code=c&state=${"0".repeat(32)}`,
    "code=c",
    `code=c&state=${STATE}x`,
  ]) {
    const res = await fetch(`${base}?${q}`);
    const page = await res.text();
    assert.equal(res.status, 400, q);
    assert.match(page, /Callback refused/, q);
    assert.match(page, /still waiting/, q);
    assert.doesNotMatch(page, /access_denied|code=|state=/, q);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, "nothing settled the login");
  const ok = await fetch(`${base}?code=the-code&state=${STATE}`);
  assert.equal(ok.status, 200);
  assert.deepEqual(await cb.result, { code: "the-code", state: STATE });
  await cb.close();
});

test("the provider's error with this login's state fails the login with that error", async () => {
  const cb = await startCallbackServer({ port: 0, paths: ["/callback"], expectedState: STATE, waitMs: 5000 });
  const res = await fetch(`http://127.0.0.1:${cb.port}/callback?error=access_denied&state=${STATE}`);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Login failed/);
  await assert.rejects(cb.result, /the provider answered "access_denied"/);
  await cb.close();
});

test("the callback listener gives up after its wait limit", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const cb = await startCallbackServer({ port: 0, paths: ["/cb"], expectedState: STATE, waitMs: 1000 });
  t.mock.timers.tick(1000);
  await assert.rejects(cb.result, /Login timed out: no callback within 1 s/);
  t.mock.timers.reset();
  await cb.close();
});
