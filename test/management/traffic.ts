/** A management setup with providers at the fake F of amp.md §7, usage statistics on, and helpers that send traffic. */
import type { TestContext } from "node:test";
import { answerF, routingConfig } from "../amp/routing-setup.js";
import { startFake, sendJson, type FakeUpstream } from "../support/fake-upstream.js";
import { mgmt, type Mgmt } from "./setup.js";

/** The setup plus `send(model, path)`. */
export interface Traffic extends Mgmt {
  readonly F: FakeUpstream;
  /** POSTs one Anthropic Messages request for `model` (default at /v1/messages) with client key ck-1; resolves with the status. */
  send(model: string, path?: string): Promise<number>;
}

/** Starts F, a fake Amp upstream and cliproxy with usage statistics on. */
export async function withTraffic(t: TestContext): Promise<Traffic> {
  const F = await startFake(t, answerF);
  const A = await startFake(t, (_r, res) => sendJson(res, 200, { id: "amp" }));
  const m = await mgmt(t, {
    file: "# traffic\nusage-statistics-enabled: true\n",
    config: { ...routingConfig(F.url, A.url), usageStatisticsEnabled: true },
  });
  return {
    ...m,
    F,
    async send(model, path = "/v1/messages") {
      const res = await fetch(`${m.s.url}${path}`, {
        method: "POST",
        headers: {
          authorization: "Bearer ck-1",
          "content-type": "application/json",
          "anthropic-version": "2023-06-01",
        },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
      });
      await res.arrayBuffer();
      return res.status;
    },
  };
}
