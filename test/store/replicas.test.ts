/**
 * Issue #18 acceptance, part 1 (config edits and cooldowns): cliproxy replicas on one real PostgreSQL (one cluster per file; each
 * acceptance point in its own file so a loaded machine stays inside the per-file timeout). Without
 * PostgreSQL binaries every test skips and says why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { CLIENT_KEY, messages, post } from "../oauth/e2e-support.js";
import { usePgCluster } from "../support/pg.js";
import { seed, startReplica, until } from "./replica-support.js";
import type { ReloadEvent } from "../../src/config/watch.js";

const cluster = usePgCluster();
const { skip } = cluster;

const MGMT = { authorization: "Bearer mgmt-pass-123", "content-type": "application/json" };

function configYaml(extra: string[] = []): string {
  return ["host: 127.0.0.1", "api-keys:", `  - "${CLIENT_KEY}"`, ...extra, ""].join("\n");
}

test(
  "a management edit on one replica is served by the other through NOTIFY, not the reconcile (latency reported: well under 1 s)",
  { skip },
  async (t) => {
    await seed(cluster.pg, "edit", configYaml());
    const a = await startReplica(t, cluster.pg, "edit");
    const b = await startReplica(t, cluster.pg, "edit");
    let reconciled = false;
    b.started.store!.store.on("reconciled", () => (reconciled = true));
    const reloaded = until<ReloadEvent>(b.started.watchers!.config!, "reload", (e) => e.kind === "reloaded");
    const before = await fetch(`${b.url}/v1/models`, { headers: { authorization: "Bearer sk-added-on-a-0001" } });
    assert.equal(before.status, 401);

    const t0 = performance.now();
    const put = await fetch(`${a.url}/v0/management/api-keys`, {
      method: "PUT",
      headers: MGMT,
      body: JSON.stringify([CLIENT_KEY, "sk-added-on-a-0001"]),
    });
    assert.equal(put.status, 200, await put.text());
    const putMs = performance.now() - t0;
    await reloaded;
    const elapsed = performance.now() - t0;
    t.diagnostic(`PUT answered after ${Math.round(putMs)} ms`);
    const after = await fetch(`${b.url}/v1/models`, { headers: { authorization: "Bearer sk-added-on-a-0001" } });
    assert.equal(after.status, 200);
    assert.equal(reconciled, false, "carried by NOTIFY: the 30 s reconcile did not run");
    // The path has no wait longer than the watcher's 100 ms settle; the latency is reported, not asserted
    // (timed assertions fail on a loaded machine): a few hundred ms here, under 1 s in every quiet run.
    t.diagnostic(`edit on A served by B after ${Math.round(elapsed)} ms`);
  },
);

test(
  "a cooldown set by one replica is honoured by the other: it answers 429 without calling the upstream",
  { skip },
  async (t) => {
    const upstream = await startFake(t, (_r, res) =>
      sendJson(
        res,
        429,
        { type: "error", error: { type: "rate_limit_error", message: "slow down" } },
        { "retry-after": "3600" },
      ),
    );
    await seed(
      cluster.pg,
      "cool",
      configYaml(["claude-api-key:", '  - api-key: "sk-ant-api-shared-000001"', `    base-url: "${upstream.url}"`]),
    );
    const a = await startReplica(t, cluster.pg, "cool");
    const b = await startReplica(t, cluster.pg, "cool");
    const shared = until(b.started.store!.store, "cooldown");
    const first = await post(`${a.url}/v1/messages`, messages());
    assert.equal(first.status, 429);
    await shared;
    const cred = b.started.app.providers.state().find((c) => c.provider === "claude")!;
    assert.equal(cred.state, "cooling");
    const second = await post(`${b.url}/v1/messages`, messages());
    assert.equal(second.status, 429);
    assert.equal(upstream.requests.length, 1, "B did not try the credential A saw rate limited");
  },
);
