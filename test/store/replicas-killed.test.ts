/**
 * Issue #18 acceptance, part 3 (a replica killed mid-refresh): cliproxy replicas on one real PostgreSQL (one cluster per file; each
 * acceptance point in its own file so a loaded machine stays inside the per-file timeout). Without
 * PostgreSQL binaries every test skips and says why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
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
import { seed, spawnReplica, startReplica } from "./replica-support.js";

const cluster = usePgCluster();
const { skip } = cluster;

function configYaml(extra: string[] = []): string {
  return ["host: 127.0.0.1", "api-keys:", `  - "${CLIENT_KEY}"`, ...extra, ""].join("\n");
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test(
  "a replica killed mid-refresh (holding the lock) leaves the credential usable: the lock goes with its connection",
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
      "killed",
      configYaml(endpointsYaml({ claude: { "token-url": `${oauth.url}/token`, "api-base-url": anthropic.url } })),
      {
        "claude-u.json": claudeFile("sk-ant-oat01-expired-000000000", { expired: expiresIn(-60_000) }),
      },
    );
    const port = await freePort();
    const child = await spawnReplica(t, cluster.pg, "killed", port);
    let firstCall!: () => void;
    const refreshing = new Promise<void>((r) => (firstCall = r));
    let calls = 0;
    oauth.on("POST /token", (_r, res) => {
      if (++calls === 1) return firstCall(); // the child's refresh never gets an answer: it dies holding the lock
      sendJson(res, 200, claudeTokenAnswer(2));
    });
    const doomed = post(`http://127.0.0.1:${port}/v1/messages`, messages()).catch((e: Error) => e);
    await refreshing;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    const lost = await doomed;
    assert.ok(
      lost instanceof Error || lost.status !== 200,
      `the killed replica answered ${lost instanceof Error ? lost.message : `${lost.status} ${await lost.text()}`}`,
    );

    const a = await startReplica(t, cluster.pg, "killed");
    const res = await post(`${a.url}/v1/messages`, messages());
    assert.equal(res.status, 200, await res.text());
    assert.equal(calls, 2);
    assert.ok(a.logs.some((l) => l.includes("auth: refreshed claude-u.json")));
  },
);
