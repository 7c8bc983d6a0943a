import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeClock, startServer } from "../support/server.js";
import { createLogger } from "../../src/log/log.js";
import { start } from "../../src/app/start.js";
import { makeConfig } from "../../src/config/schema.js";
import { authorise, BCRYPT_MAX_KEY_BYTES, hashPlaintextSecret } from "../../src/management/auth.js";
import {
  BAN_MS,
  GLOBAL_FAILURES_PER_MINUTE,
  GLOBAL_WINDOW_MS,
  goDuration,
  IDLE_PURGE_MS,
  Lockout,
  peerKey,
} from "../../src/server/lockout.js";
import { bcryptHash, bcryptVerify } from "../../src/management/bcrypt.js";
import { serialise } from "../../src/management/save.js";
import { HttpError } from "../../src/server/errors.js";
import { allRoutes } from "../../src/app/routes.js";
import type { Ctx, Route } from "../../src/server/handler.js";
import { changedLines, KEY, mgmt } from "./setup.js";

const ENDPOINTS = allRoutes().filter(
  (r) => r.method !== "*" && (r.path.startsWith("/v0/management/") || r.path === "/status"),
);

function url(r: Route): string {
  return r.path.startsWith("/v0/management") ? r.path.slice("/v0/management".length) : r.path;
}

function fakeCtx(
  peer: string,
  options: {
    secret?: string;
    allowRemote?: boolean;
    env?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
) {
  const set: Record<string, string> = {};
  const app = {
    env: options.env ?? {},
    version: "t",
    clock: { now: () => 0 },
    managementLockout: new Lockout(() => 0),
  };
  const ctx = {
    peer,
    app,
    url: new URL("http://x/v0/management/debug"),
    params: {},
    config: makeConfig({
      remoteManagement: {
        allowRemote: options.allowRemote ?? false,
        secretKey: options.secret ?? KEY,
        disableControlPanel: false,
      },
    }),
    res: { setHeader: (k: string, v: string) => void (set[k] = v), writeHead: () => ({ end: () => undefined }) },
  } as unknown as Ctx;
  return { ctx, set };
}

test("S-1 no secret: every management path answers 404 with an empty body (/status a page on how to enable it); a key in the config turns the API on without restart", async (t) => {
  const m = await mgmt(t, { secret: "" });
  for (const r of [
    ...ENDPOINTS,
    { method: "GET", path: "/v0/management/nope" } as Route,
    { method: "OPTIONS", path: "/v0/management/debug" } as Route,
  ]) {
    const res = await fetch(`${m.s.url}${r.path}`, {
      method: r.method === "HEAD" ? "GET" : r.method,
      headers: { authorization: `Bearer ${KEY}` },
    });
    assert.equal(res.status, 404, `${r.method} ${r.path}`);
    // /status on loopback says how to turn it on (issue 12 item 16); the management API stays an empty 404.
    if (r.path === "/status") assert.match(await res.text(), /status is off/);
    else assert.equal(await res.text(), "", `${r.method} ${r.path}`);
  }
  m.s.setConfig({ ...m.s.app.config(), remoteManagement: { ...m.s.app.config().remoteManagement, secretKey: KEY } });
  assert.deepEqual((await m.call("GET", "/debug")).json, { debug: false });
});

test("every management endpoint and /status answer 401 without the key", async (t) => {
  const m = await mgmt(t);
  for (const r of ENDPOINTS) {
    const res = await fetch(`${m.s.url}${r.path}`, { method: r.method });
    assert.equal(res.status, 401, `${r.method} ${r.path}`);
    assert.deepEqual(await res.json(), { error: "missing management key" }, `${r.method} ${r.path}`);
    for (const peer of ["127.0.0.1", "::ffff:127.0.0.1", "::1"]) m.s.app.managementLockout.succeed(peer); // not testing the ban here
  }
});

test("every management endpoint refuses a non-loopback peer with 403 unless allow-remote (guard unit, fake peer)", async () => {
  for (const r of ENDPOINTS) {
    const { ctx } = fakeCtx("203.0.113.7");
    await assert.rejects(
      r.handler({ headers: { authorization: `Bearer ${KEY}`, accept: "text/html" }, method: r.method } as any, ctx),
      (e: unknown) => e instanceof HttpError && e.status === 403 && e.message === "remote management disabled",
      `${r.method} ${url(r)}`,
    );
  }
  const { ctx } = fakeCtx("203.0.113.7", { allowRemote: true });
  assert.doesNotThrow(() => authorise({ headers: { "x-management-key": KEY } } as any, ctx));
});

test("S-2 plaintext secret-key: start() stores a $2a$10$ hash at that key, every other byte unchanged; the key and a CLIProxyAPI hash verify", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-secret-"));
  const path = join(dir, "config.yaml");
  const before = `# admin\nhost: 127.0.0.1\nport: 8317\nremote-management:\n  allow-remote: false   # loopback only\n  secret-key: "s3cret"  # set by hand\nauth-dir: ${join(dir, "auth")}\n`;
  writeFileSync(path, before);
  const started = await start({
    configPath: path,
    port: 0,
    homeDir: dir,
    env: {},
    log: createLogger({ sink: () => undefined }),
  });
  t.after(() => started.stop(1000));
  const after = readFileSync(path, "utf8");
  const [[was, now]] = changedLines(before, after);
  assert.equal(was, '  secret-key: "s3cret"  # set by hand');
  const hash = /"(\$2a\$10\$[./A-Za-z0-9]{53})"/.exec(now)?.[1];
  assert.ok(hash && bcryptVerify("s3cret", hash), now);
  assert.equal(started.app.config().remoteManagement.secretKey, hash);
  const res = await fetch(`${started.url}/v0/management/debug`, { headers: { authorization: "Bearer s3cret" } });
  assert.deepEqual([res.status, await res.json()], [200, { debug: false }]);
  assert.equal(await hashPlaintextSecret(started.app), false, "an already hashed key is left alone");
  // A reload that brings a new plaintext key gets it hashed too.
  writeFileSync(path, after.replace(/"\$2a\$10\$[^"]+"/, '"n3w-secret"'));
  await started.watchers!.config!.reload();
  await serialise(started.app, async () => undefined);
  assert.match(readFileSync(path, "utf8"), /secret-key: "\$2a\$10\$[./A-Za-z0-9]{53}"  # set by hand/);
  assert.ok(bcryptVerify("n3w-secret", started.app.config().remoteManagement.secretKey));
  // A hash written by CLIProxyAPI's Go bcrypt (reference vector, $2a$, cost 4) verifies too.
  const c = started.app.config();
  started.app.setConfig({
    ...c,
    remoteManagement: {
      ...c.remoteManagement,
      secretKey: "$2a$04$EJTm7x/tadrWeYW15DO8LeDT5NQwKiBqx4W4sGIAh9vpXFOpD.0vC",
    },
  });
  assert.equal(
    (await fetch(`${started.url}/v0/management/debug`, { headers: { authorization: "Bearer password" } })).status,
    200,
  );
});

test("S-3 X-Management-Key and a bare Authorization value work; wrong and missing keys get 401 with upstream's messages", async (t) => {
  const m = await mgmt(t);
  assert.equal((await m.call("GET", "/debug", undefined, { "x-management-key": KEY })).status, 200);
  assert.equal((await m.call("GET", "/debug", undefined, { authorization: KEY })).status, 200);
  assert.deepEqual(
    await m.call("GET", "/debug", undefined, { authorization: "Bearer nope" }).then((r) => [r.status, r.json]),
    [401, { error: "invalid management key" }],
  );
  assert.deepEqual(await m.call("GET", "/debug", undefined, {}).then((r) => [r.status, r.json]), [
    401,
    { error: "missing management key" },
  ]);
});

test("S-4 a non-loopback peer without allow-remote gets 403 even with X-Forwarded-For: 127.0.0.1", async () => {
  const { ctx } = fakeCtx("198.51.100.2");
  const req = {
    headers: { authorization: `Bearer ${KEY}`, "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1" },
  } as any;
  assert.throws(
    () => authorise(req, ctx),
    (e: unknown) => e instanceof HttpError && e.status === 403 && e.message === "remote management disabled",
  );
});

test("S-5 MANAGEMENT_PASSWORD is accepted from a non-loopback peer although allow-remote is false", async () => {
  const { ctx } = fakeCtx("198.51.100.2", { env: { MANAGEMENT_PASSWORD: "p-env" } });
  assert.doesNotThrow(() => authorise({ headers: { authorization: "Bearer p-env" } } as any, ctx));
});

test("S-6 five bad keys ban the peer: a sixth wrong key gets 403 saying why and until when, with Retry-After; the right key still passes", async (t) => {
  const clock = fakeClock();
  const m = await mgmt(t, { clock });
  for (let i = 0; i < 5; i++)
    assert.equal((await m.call("GET", "/debug", undefined, { authorization: `Bearer wrong-${i}` })).status, 401);
  const banned = await m.call("GET", "/debug", undefined, { authorization: "Bearer wrong-again" });
  assert.equal(banned.status, 403);
  assert.equal(banned.headers.get("retry-after"), "1800");
  assert.equal(
    banned.json.error,
    `IP banned due to too many failed attempts. Try again in 30m0s: 5 wrong management keys came from this machine (every loopback address counts as one source), banned until ${new Date(clock.now() + BAN_MS).toISOString()}; the correct key is still accepted (checked at most once a minute while banned)`,
  );
  clock.advance(BAN_MS - 61_000);
  assert.match(
    (await m.call("GET", "/debug", undefined, {})).json.error,
    /^IP banned due to too many failed attempts\. Try again in 1m1s: /,
  );
  assert.equal((await m.call("GET", "/debug")).status, 200, "the owner's key is never locked out");
  assert.equal(
    (await m.call("GET", "/debug", undefined, { authorization: "Bearer wrong" })).status,
    401,
    "a success lifted the ban",
  );
});

test("rotating loopback addresses does not dodge the ban, and the owner's key still passes: loopback is one source", async (t) => {
  const { call, logs } = sharedApp(KEY);
  for (let i = 0; i < 5; i++) assert.equal(call(`127.0.${i}.${i + 2}`, `wrong-${i}`).status, 401);
  assert.equal(call("127.9.9.9", "wrong").status, 403);
  assert.equal(call("::1", "wrong").status, 403);
  assert.equal(call("::ffff:127.0.0.8", "wrong").status, 403);
  assert.equal(call("127.0.0.1", KEY).status, 200);
  assert.equal(peerKey("127.3.4.5"), "loopback");
  assert.ok(
    logs.some((l) => / WARN management: 5 wrong keys from this machine .*banned for 30m0s/.test(l)),
    "the ban is logged",
  );
});

test("a banned source with a bcrypt secret has one key checked a minute: the owner's key gets in, guessing stays slow", () => {
  const { clock, call } = sharedApp(bcryptHash(KEY, 4));
  for (let i = 0; i < 5; i++) assert.equal(call("192.0.2.7", `wrong-${i}`).status, 401);
  assert.equal(call("192.0.2.7", "wrong-5").status, 403, "checked, wrong");
  const refused = call("192.0.2.7", KEY);
  assert.equal(refused.status, 403, "the next check is a minute away");
  assert.equal(refused.headers?.["retry-after"], String(BAN_MS / 1000));
  clock.advance(60_000);
  assert.equal(call("192.0.2.7", KEY).status, 200);
});

test("Lockout: a success resets the count, a ban resets the counter, idle entries are purged after 2 h", () => {
  let now = 0;
  const l = new Lockout(() => now);
  for (let i = 0; i < 4; i++) l.fail("a");
  l.succeed("a");
  l.fail("a");
  assert.equal(l.bannedFor("a"), 0);
  for (let i = 0; i < 4; i++) l.fail("a");
  assert.equal(l.bannedFor("a"), BAN_MS);
  now += BAN_MS;
  assert.equal(l.bannedFor("a"), 0);
  l.fail("b");
  now += IDLE_PURGE_MS + 3_600_000;
  assert.equal(l.bannedFor("b"), 0);
  assert.equal((l as any).peers.size, 0);
});

test("goDuration() spells durations as Go does", () => {
  assert.deepEqual(
    [goDuration(1_800_000), goDuration(61_000), goDuration(999), goDuration(3_723_000), goDuration(-5)],
    ["30m0s", "1m1s", "1s", "1h2m3s", "0s"],
  );
});

test("S-16 get-auth-status for an unknown state is 404 unknown or expired state; the login starters sit behind the key", async (t) => {
  const m = await mgmt(t);
  const r = await m.call("GET", `/get-auth-status?state=${"a".repeat(32)}`);
  assert.deepEqual([r.status, r.json], [404, { status: "error", error: "unknown or expired state" }]);
  assert.equal((await m.call("GET", "/anthropic-auth-url", undefined, {})).status, 401);
  assert.ok(
    allRoutes().some((x) => x.path === "/anthropic/callback"),
    "the web-UI callback is mounted on the main port",
  );
});

test("management answers carry the X-CPA headers and no CORS; OPTIONS and unknown paths get 403 and 404", async (t) => {
  const m = await mgmt(t);
  const r = await m.call("GET", "/debug");
  assert.equal(r.headers.get("x-cpa-version"), m.s.app.version);
  for (const h of ["x-cpa-commit", "x-cpa-build-date", "x-cpa-support-plugin"]) assert.ok(r.headers.get(h), h);
  assert.equal(r.headers.get("access-control-allow-origin"), null);
  assert.equal((await m.call("OPTIONS", "/debug")).status, 403);
  assert.deepEqual(await m.call("GET", "/nope").then((x) => [x.status, x.json]), [404, { error: "not found" }]);
  assert.equal((await m.call("GET", "/nope", undefined, {})).status, 401);
});

test("peerKey() counts IPv4 and IPv4-mapped peers by address and other IPv6 peers by their /64", () => {
  assert.equal(peerKey("203.0.113.7"), "203.0.113.7");
  assert.equal(peerKey("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(peerKey("::FFFF:cb00:7107"), "203.0.113.7");
  assert.equal(peerKey("2001:db8:1:2::a"), "2001:db8:1:2::/64");
  assert.equal(peerKey("2001:0db8:0001:0002:ffff:eeee:dddd:cccc"), "2001:db8:1:2::/64");
  assert.equal(peerKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(peerKey("::1"), "loopback");
  assert.equal(peerKey("64:ff9b::192.0.2.1"), "64:ff9b:0:0::/64");
  assert.equal(peerKey("2001:db8:3::"), "2001:db8:3:0::/64");
  assert.equal(peerKey("not-an-address"), "not-an-address");
});

/** A fake app shared by several peers' requests (the lockout book belongs to the app). */
function sharedApp(secret: string) {
  const clock = fakeClock();
  const logs: string[] = [];
  const app = {
    env: {},
    version: "t",
    clock,
    log: createLogger({ sink: (l) => logs.push(l) }),
    managementLockout: new Lockout(() => clock.now()),
  };
  const load = () =>
    makeConfig({ remoteManagement: { allowRemote: true, secretKey: secret, disableControlPanel: false } });
  let config = load();
  const call = (peer: string, key: string) => {
    const ctx = {
      peer,
      app,
      config,
      url: new URL("http://x/v0/management/debug"),
      params: {},
      res: {},
    } as unknown as Ctx;
    try {
      authorise({ headers: { authorization: `Bearer ${key}` } } as any, ctx);
      return { status: 200, message: "" };
    } catch (e) {
      assert.ok(e instanceof HttpError);
      return { status: e.status, message: e.message, headers: e.headers };
    }
  };
  return { app, clock, call, logs, reload: () => void (config = load()) };
}

test("an IPv6 peer rotating addresses inside its /64 is banned after five failures; another /64 and IPv4 peers are not", () => {
  const { call } = sharedApp(KEY);
  for (let i = 0; i < 5; i++) assert.equal(call(`2001:db8:1:2::${(i + 1).toString(16)}`, `wrong-${i}`).status, 401);
  const banned = call("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "wrong");
  assert.equal(banned.status, 403);
  assert.match(banned.message, /^IP banned due to too many failed attempts.*from 2001:db8:1:2::\/64/);
  assert.equal(call("2001:db8:1:3::1", "wrong").status, 401, "the next /64 is someone else");
  for (let i = 0; i < 5; i++) call("::ffff:198.51.100.9", `wrong-${i}`);
  assert.equal(call("198.51.100.9", "wrong").status, 403, "IPv4-mapped and plain IPv4 are the same peer");
  assert.equal(call("198.51.100.10", KEY).status, 200);
});

test("past the global cap of failures per minute a key needing bcrypt gets 429 unchecked; a cached key still passes; the cap frees up after a minute (fake clock)", () => {
  const { clock, call, reload } = sharedApp(bcryptHash(KEY, 4));
  assert.equal(call("192.0.2.200", KEY).status, 200, "verified once with bcrypt, now cached for this snapshot");
  // Each peer stays under its own ban (four failures) while all of them together reach the global cap.
  for (let i = 0; i < GLOBAL_FAILURES_PER_MINUTE; i++)
    assert.equal(call(`192.0.2.${Math.floor(i / 4)}`, `wrong-${i}`).status, 401);
  clock.advance(1_000);
  const refused = call("192.0.2.100", `wrong-again`);
  assert.equal(refused.status, 429);
  assert.equal(refused.message, "too many failed management key attempts from all addresses, try again in 59s");
  assert.deepEqual(refused.headers, { "retry-after": "59" });
  // Nothing was counted against the refused peer: five more refusals do not ban it.
  for (let i = 0; i < 5; i++) assert.equal(call("192.0.2.102", `wrong-${i}`).status, 429);
  assert.equal(call("192.0.2.200", KEY).status, 200, "the cached key needs no bcrypt and passes");
  // A reload brings a new snapshot, so the key is no longer cached: it is refused unchecked too (bcrypt would pass it).
  reload();
  assert.equal(call("192.0.2.200", KEY).status, 429);
  clock.advance(GLOBAL_WINDOW_MS - 1_000);
  assert.equal(call("192.0.2.102", "wrong").status, 401, "a minute later bcrypt checks resume");
  assert.equal(call("192.0.2.102", KEY).status, 200);
});

test("Lockout: the global cap is a named option and counts failures of the last minute only", () => {
  let now = 0;
  const l = new Lockout(() => now, { globalFailuresPerMinute: 3 });
  l.fail("a");
  now += 30_000;
  l.fail("b");
  l.fail("c");
  assert.equal(l.globalBlockedFor(), 30_000);
  now += 30_000;
  assert.equal(l.globalBlockedFor(), 0, "the first failure left the window");
  l.fail("d");
  assert.equal(l.globalBlockedFor(), 30_000);
  assert.equal(new Lockout(() => now).globalBlockedFor(), 0);
});

test("hashPlaintextSecret() warns once when a plaintext secret-key is longer than the 72 bytes bcrypt reads, not for 72 bytes", async (t) => {
  const s = await startServer(t, {});
  const setSecret = (secretKey: string) =>
    s.app.setConfig({ ...s.app.config(), remoteManagement: { ...s.app.config().remoteManagement, secretKey } });
  const warnings = () => s.logs.filter((l) => l.includes("only the first 72 bytes count; use a shorter key"));
  const long = "k".repeat(BCRYPT_MAX_KEY_BYTES) + "-tail";
  setSecret(long);
  assert.equal(await hashPlaintextSecret(s.app), true);
  assert.equal(warnings().length, 1, s.logs.join("\n"));
  assert.match(warnings()[0], /secret-key is 77 bytes long/);
  assert.equal(warnings()[0].includes(long), false, "the warning never shows the key");
  assert.ok(
    bcryptVerify("k".repeat(BCRYPT_MAX_KEY_BYTES) + "-other", s.app.config().remoteManagement.secretKey),
    "why it warns",
  );
  setSecret(long); // the same key again, e.g. after a reload whose write-back failed
  await hashPlaintextSecret(s.app);
  assert.equal(warnings().length, 1, "once per key");
  setSecret("é".repeat(36)); // 72 bytes exactly
  await hashPlaintextSecret(s.app);
  assert.equal(warnings().length, 1);
  setSecret("é".repeat(37));
  await hashPlaintextSecret(s.app);
  assert.equal(warnings().length, 2, "another over-long key warns again");
});
