/**
 * The pinned newest (native, "Neo") Amp CLI completes `amp -x` through cliproxy against the loopback
 * stand-in of ampcode.com (test/support/amp-actor.ts): RPCs reach upstream with the upstream Amp key, the
 * thread-actor sockets are tunnelled with the Rivet token added, and the client key never leaves cliproxy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientBin } from "../../scripts/clients/pins.js";
import { startAmpStandIn, PUBLISHABLE_RIVET_TOKEN } from "../support/amp-actor.js";
import { startServer } from "../support/server.js";
import { run } from "../support/run.js";

const CLIENT_KEY = "ck-neo-client-0001";
const AMP_KEY = "amp-neo-upstream-0002";

test("the newest Amp CLI completes `amp -x` through cliproxy: RPCs and actor sockets", async (t) => {
  const { bin, why } = clientBin("amp");
  if (!bin) return t.skip(why);
  const A = await startAmpStandIn(t, { reply: "Hello from the thread actor" });
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], ampcode: { upstreamUrl: A.url, upstreamApiKey: AMP_KEY } });
  const home = mkdtempSync(join(tmpdir(), "amp-neo-home-"));
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    AMP_URL: s.url,
    AMP_API_KEY: CLIENT_KEY,
    AMP_SKIP_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    TERM: "dumb",
  };
  const r = await run(bin, ["--no-notifications", "--no-ide", "-x", "Say hello"], env);
  const detail = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr.slice(-3000)}\nrequests: ${A.requests.map((q) => `${q.method} ${q.url}`).join(", ")}\nupgrades: ${A.upgrades.map((u) => `${u.status} ${u.url}`).join(", ")}\nframes:\n${A.frames.join("\n")}\nlogs:\n${s.logs.slice(-30).join("\n")}`;
  assert.equal(r.code, 0, detail);
  assert.match(r.stdout, /Hello from the thread actor/, detail);
  assert.ok(
    A.requests.some((q) => q.url === "/api/thread-actors"),
    detail,
  );
  for (const q of A.requests) {
    assert.equal(q.headers.authorization, `Bearer ${AMP_KEY}`, `${q.method} ${q.url}`);
  }
  const accepted = A.upgrades.filter((u) => u.status === 101);
  assert.ok(accepted.length >= 1, detail);
  for (const u of accepted)
    assert.equal(new URL(u.url, "http://x").searchParams.get("rvt-token"), PUBLISHABLE_RIVET_TOKEN);
  const seen = JSON.stringify([A.requests, A.upgrades]);
  assert.ok(!seen.includes(CLIENT_KEY), "the client key never reaches upstream");
  assert.ok(s.logs.some((l) => l.includes("amp tunnel open: /actors/gateway/threadActor/websocket/")));
});
