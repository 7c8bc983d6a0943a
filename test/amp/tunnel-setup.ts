/** Shared setup for the tunnel tests: the Amp stand-in, a cliproxy in front (client key ck-1), credentials. */
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { startAmpStandIn, type AmpStandIn, type StandInOptions } from "../support/amp-actor.js";
import { startServer, type TestServer } from "../support/server.js";
import type { AmpConfig, Config } from "../../src/config/schema.js";

export const CLIENT_KEY = "ck-tunnel-client-0001";
export const AMP_KEY = "amp-upstream-key-0002";

/** cliproxy `s` in front of the stand-in `A`. */
export async function tunnelSetup(
  t: TestContext,
  options: { standIn?: StandInOptions; amp?: Partial<AmpConfig>; config?: Partial<Config> } = {},
): Promise<{ A: AmpStandIn; s: TestServer }> {
  const A = await startAmpStandIn(t, options.standIn);
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    ...options.config,
    ampcode: { upstreamUrl: A.url, upstreamApiKey: AMP_KEY, ...options.amp },
  });
  return { A, s };
}

/** POST /api/thread-actors through cliproxy with the client key; resolves with the credentials. */
export async function credentials(s: TestServer, threadId?: string): Promise<{ threadId: string; wsToken: string }> {
  const res = await fetch(`${s.url}/api/thread-actors`, {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(threadId ? { threadId } : { executorType: "local-client", agentMode: "medium" }),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { threadId: string; wsToken: string };
}

/** The subprotocol header the CLI sends for a wsToken. */
export function protocols(wsToken: string): string {
  const params = encodeURIComponent(
    JSON.stringify({ wsToken, clientApplication: { name: "CLI" }, interactiveClient: false, transport: "json-rpc" }),
  );
  return `rivet, rivet_encoding.bare, rivet_skip_ready_wait, rivet_conn_params.${params}`;
}

/** The actor socket path for a thread. */
export function actorPath(threadId: string): string {
  return `/actors/gateway/threadActor/websocket/?rvt-namespace=default&rvt-method=get&rvt-key=${threadId}&rvt-skip-ready-wait=true`;
}
