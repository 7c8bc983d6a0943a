/**
 * Issue #18 acceptance, part 4 (a PostgreSQL restart): cliproxy replicas on one real PostgreSQL (one cluster per file; each
 * acceptance point in its own file so a loaded machine stays inside the per-file timeout). Without
 * PostgreSQL binaries every test skips and says why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { CLIENT_KEY, claudeMessage, messages, post } from "../oauth/e2e-support.js";
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
  "replicas survive a PostgreSQL restart: requests are served from the spool meanwhile, then they reconnect and edits flow again",
  { skip },
  async (t) => {
    const upstream = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
    await seed(
      cluster.pg,
      "restart",
      configYaml(["claude-api-key:", '  - api-key: "sk-ant-api-restart-0001"', `    base-url: "${upstream.url}"`]),
    );
    const a = await startReplica(t, cluster.pg, "restart");
    const b = await startReplica(t, cluster.pg, "restart");
    const downA = until(a.started.store!.store.listener, "disconnected");
    const downB = until(b.started.store!.store.listener, "disconnected");
    await cluster.pg.stop();
    await Promise.all([downA, downB]);
    for (const r of [a, b]) assert.equal((await post(`${r.url}/v1/messages`, messages())).status, 200);
    const metrics = await (
      await fetch(`${a.url}/metrics`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
    ).text();
    assert.match(metrics, /cliproxy_store_connected 0/);

    const upA = until(a.started.store!.store.listener, "connected");
    const upB = until(b.started.store!.store.listener, "connected");
    await cluster.pg.start();
    await Promise.all([upA, upB]);
    const reloaded = until<ReloadEvent>(b.started.watchers!.config!, "reload", (e) => e.kind === "reloaded");
    const put = await fetch(`${a.url}/v0/management/api-keys`, {
      method: "PUT",
      headers: MGMT,
      body: JSON.stringify([CLIENT_KEY, "sk-after-restart-0001"]),
    });
    assert.equal(put.status, 200);
    await reloaded;
    assert.equal(
      (await fetch(`${b.url}/v1/models`, { headers: { authorization: "Bearer sk-after-restart-0001" } })).status,
      200,
    );
    assert.ok(a.logs.some((l) => l.includes("lost PostgreSQL")));
  },
);
