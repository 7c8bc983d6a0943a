/** Shared setup for the Amp management-proxy tests: amp.md §7's fake Amp upstream A and a cliproxy in front. */
import type { TestContext } from "node:test";
import { request, type IncomingHttpHeaders } from "node:http";
import { startFake, sendJson, type FakeHandler, type FakeUpstream } from "../support/fake-upstream.js";
import { startServer, type ServerOptions, type TestServer } from "../support/server.js";
import type { AmpConfig, Config } from "../../src/config/schema.js";

/** cliproxy (`s`) with api-keys ck-1, ck-2 in front of the fake Amp upstream `A` (key amp-default). */
export async function ampSetup(
  t: TestContext,
  options: { amp?: Partial<AmpConfig>; config?: Partial<Config>; handler?: FakeHandler; server?: ServerOptions } = {},
): Promise<{ A: FakeUpstream; s: TestServer }> {
  const A = await startFake(t, options.handler ?? ((_r, res) => sendJson(res, 200, { id: "u1" })));
  const s = await startServer(
    t,
    {
      apiKeys: ["ck-1", "ck-2"],
      ...options.config,
      ampcode: { upstreamUrl: A.url, upstreamApiKey: "amp-default", ...options.amp },
    },
    options.server,
  );
  return { A, s };
}

/** A raw HTTP exchange: the bytes cliproxy wrote, never decoded. */
export interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request with exact headers (fetch would add its own) and reads the raw answer. */
export function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const length = options.body === undefined ? {} : { "content-length": String(Buffer.byteLength(options.body)) };
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        headers: { ...length, ...options.headers },
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Bearer header for a client key. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
