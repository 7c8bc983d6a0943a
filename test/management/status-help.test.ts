/** The status page for a person (issue 12 item 16): how to enable it, attempts left, the lockout as a page and a log line. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/server.js";

const HTML = { accept: "text/html" };

test("/status while management is off: a loopback browser gets a page saying how to enable it", async (t) => {
  const s = await startServer(t, {});
  const res = await fetch(`${s.url}/status`, { headers: HTML });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await res.text();
  assert.match(html, /status is off/);
  assert.match(html, /remote-management:\n  secret-key:/);
  assert.match(html, /MANAGEMENT_PASSWORD/);
});

test("wrong keys in the status form: each answer says how many attempts are left, the fifth shows the lockout as a page and logs it", async (t) => {
  const s = await startServer(t, {
    remoteManagement: { allowRemote: false, secretKey: "right-management-key", disableControlPanel: false },
  });
  const attempt = () => fetch(`${s.url}/status`, { headers: { ...HTML, "x-management-key": "wrong" } });
  const form = await fetch(`${s.url}/status`, { headers: HTML });
  assert.equal(form.status, 401);
  assert.doesNotMatch(await form.text(), /attempts? left/); // opening the form costs nothing
  for (const left of [4, 3, 2, 1]) {
    const r = await attempt();
    assert.equal(r.status, 401);
    assert.match(
      await r.text(),
      new RegExp(`invalid management key; ${left} attempts? left before this address is locked out for 30 minutes`),
    );
  }
  assert.ok(
    s.logs.some((l) => /wrong management key/.test(l) && /127\.0\.0\.1/.test(l)),
    s.logs.join("\n"),
  );
  const locked = await attempt();
  assert.equal(locked.status, 403);
  assert.equal(locked.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(
    await locked.text(),
    /locked out until <strong>\d{4}-\d\d-\d\dT[\d:.]+Z<\/strong>[\s\S]*restart cliproxy, which clears the lockout/,
  );
  const line = s.logs.find((l) => /locked out of management for 30 min/.test(l));
  assert.ok(line, s.logs.join("\n"));
  assert.match(line, /WARN/i);
  // Non-browser callers keep the JSON answer; the right key still gets in (a verified key is never locked out).
  const api = await fetch(`${s.url}/status`, { headers: { "x-management-key": "wrong" } });
  assert.equal(api.status, 403);
  assert.match(await api.text(), /IP banned/);
  const owner = await fetch(`${s.url}/status`, { headers: { "x-management-key": "right-management-key" } });
  assert.equal(owner.status, 200);
});
