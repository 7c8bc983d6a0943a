/**
 * Issue #18 acceptance, part 2 (one refresh across replicas): cliproxy replicas on one real PostgreSQL (one cluster per file; each
 * acceptance point in its own file so a loaded machine stays inside the per-file timeout). Without
 * PostgreSQL binaries every test skips and says why.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { claudeTokenAnswer, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";
import {
  CLIENT_KEY,
  claudeFile,
  claudeMessage,
  endpointsYaml,
  expiresIn,
  messages,
  post,
} from "../oauth/e2e-support.js";
import { usePgCluster } from "../support/pg.js";
import { seed, startReplica, until } from "./replica-support.js";
import { parseDsn } from "../../src/store/pg/dsn.js";
import { PgPool } from "../../src/store/pg/pool.js";
import { storeSql } from "../../src/store/pg-tables.js";

const cluster = usePgCluster();
const { skip } = cluster;

function configYaml(extra: string[] = []): string {
  return ["host: 127.0.0.1", "api-keys:", `  - "${CLIENT_KEY}"`, ...extra, ""].join("\n");
}

test(
  "50 concurrent requests across both replicas with an expired token make exactly one refresh call; the other replica waits on the lock and reads the new token",
  { skip },
  async (t) => {
    const oauth = await startFakeOAuth(t);
    const fresh = String(claudeTokenAnswer(2).access_token);
    const anthropic = await startFake(t, (r, res) =>
      r.headers.authorization === `Bearer ${fresh}`
        ? sendJson(res, 200, claudeMessage())
        : sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "stale token" } }),
    );
    await seed(
      cluster.pg,
      "refresh",
      configYaml(endpointsYaml({ claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } })),
      {
        "claude-u.json": claudeFile("sk-ant-oat01-expired-000000000", { expired: expiresIn(-60_000) }),
      },
    );
    const a = await startReplica(t, cluster.pg, "refresh");
    const b = await startReplica(t, cluster.pg, "refresh");
    // The token answer waits until the other replica is queued on the advisory lock, so the two overlap.
    const watcher = new PgPool(parseDsn(cluster.pg.dsn()));
    t.after(() => watcher.end());
    oauth.on("POST /token", async (_r, res) => {
      for (;;) {
        const { rows } = await watcher.query(
          "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        if (Number(rows[0].n) >= 1) break;
        await new Promise((r) => setImmediate(r));
      }
      sendJson(res, 200, claudeTokenAnswer(2));
    });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(`${(i % 2 ? a : b).url}/v1/messages`, messages())),
    );
    assert.deepEqual(
      answers.map((r) => r.status),
      Array(50).fill(200),
    );
    assert.equal(oauth.calls("POST /token").length, 1);
    assert.ok(anthropic.requests.every((r) => r.headers.authorization === `Bearer ${fresh}`));
    const { rows } = await watcher.query(`${storeSql("refresh").getAuth}`, ["claude-u.json"]);
    assert.equal(JSON.parse(rows[0].content!).access_token, fresh);
  },
);
