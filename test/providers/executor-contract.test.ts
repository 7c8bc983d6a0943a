/**
 * The executor contract every provider kind keeps, run for each entry of PROVIDER_KINDS and for the fixture kind
 * (test/fixtures/echo-kind/), in the style of hono's runTest: one case list, every implementation. Each kind gets
 * a credential pointing at a fake upstream speaking its executor's dialect (an API-key list entry when the kind has
 * a config list, else a token-file-like credential), and an OpenAI Chat client calls /v1/chat/completions.
 * A new kind joins the loop by being in the table; nothing here names a kind.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app/app.js";
import { allRoutes } from "../../src/app/routes.js";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log/log.js";
import { buildCredential } from "../../src/providers/credentials.js";
import { PROVIDER_KINDS, type KindSpec } from "../../src/providers/kinds.js";
import { listen } from "../../src/server/listen.js";
import { formatEvent } from "../../src/sse/write.js";
import { KINDS_WITH_ECHO } from "../fixtures/echo-kind/kind.js";
import { sendJson, startFake, type FakeUpstream, type Recorded } from "../support/fake-upstream.js";
import { codexEvents, TEXT_PIECES } from "../support/sdk-fakes.js";

const UPSTREAM_KEY = "upstream-contract-key-7d41c9";
const CLIENT_KEY = "client-contract-key-2b88";
const MODEL = "contract-model";
const UPSTREAM_MODEL = "contract-upstream-1";
const TEXT = TEXT_PIECES.join("");
const USAGE = { input: 12, output: 7 };

/** Every kind the contract runs for: the built-in table plus the fixture kind. */
const KINDS = Object.entries(KINDS_WITH_ECHO);
assert.deepEqual(
  KINDS.map(([id]) => id),
  [...Object.keys(PROVIDER_KINDS), "echo"],
);

function sse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events)
    res.write(formatEvent({ event: e.event, data: typeof e.data === "string" ? e.data : JSON.stringify(e.data) }));
  res.end();
}

/** Whether the upstream was asked for an event stream, in any dialect. */
function streamed(req: Recorded): boolean {
  return req.json?.stream === true || req.url.includes("streamGenerateContent");
}

/** A fake upstream answering TEXT with USAGE in the kind's dialect, streamed when asked. */
function answer(spec: KindSpec) {
  const ex = spec.executor;
  const wrap = (d: unknown) => (ex.unwrap ? { response: d } : d);
  return (req: Recorded, res: ServerResponse) => {
    const stream = streamed(req);
    const model = UPSTREAM_MODEL;
    if (ex.dialect === "openai-responses") return sse(res, codexEvents({ text: TEXT }, model));
    if (ex.dialect === "anthropic") {
      const usage = { input_tokens: USAGE.input, output_tokens: USAGE.output };
      const message = { id: "msg_c", type: "message", role: "assistant", model, stop_sequence: null };
      if (!stream)
        return sendJson(res, 200, {
          ...message,
          content: [{ type: "text", text: TEXT }],
          stop_reason: "end_turn",
          usage,
        });
      const ev = (event: string, data: Record<string, unknown>) => ({ event, data: { type: event, ...data } });
      return sse(res, [
        ev("message_start", {
          message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 0 } },
        }),
        ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
        ...TEXT_PIECES.map((t) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: t } })),
        ev("content_block_stop", { index: 0 }),
        ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 7 } }),
        ev("message_stop", {}),
      ]);
    }
    if (ex.dialect === "gemini") {
      const chunk = (text: string, last: boolean) => ({
        candidates: [
          { content: { role: "model", parts: [{ text }] }, index: 0, ...(last ? { finishReason: "STOP" } : {}) },
        ],
        ...(last
          ? {
              usageMetadata: { promptTokenCount: USAGE.input, candidatesTokenCount: USAGE.output, totalTokenCount: 19 },
            }
          : {}),
        modelVersion: model,
      });
      if (!stream) return sendJson(res, 200, wrap(chunk(TEXT, true)));
      return sse(
        res,
        TEXT_PIECES.map((t, i) => ({ data: wrap(chunk(t, i === TEXT_PIECES.length - 1)) })),
      );
    }
    const usage = { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: 19 };
    const head = { id: "chatcmpl-c", created: 1_731_000_000, model };
    if (!stream)
      return sendJson(res, 200, {
        ...head,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: TEXT }, finish_reason: "stop" }],
        usage,
      });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      data: { ...head, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] },
    });
    return sse(res, [
      chunk({ role: "assistant", content: "" }),
      ...TEXT_PIECES.map((t) => chunk({ content: t })),
      chunk({}, "stop"),
      { data: { ...head, object: "chat.completion.chunk", choices: [], usage } },
      { data: "[DONE]" },
    ]);
  };
}

/** A config.yaml list entry for the kind, or undefined when its credentials come only from token files. */
function listYaml(spec: KindSpec, url: string): string | undefined {
  const models = `    models:\n      - name: ${UPSTREAM_MODEL}\n        alias: ${MODEL}\n`;
  if (spec.list?.shape === "api-keys")
    return `${spec.list.key}:\n  - api-key: ${UPSTREAM_KEY}\n    base-url: ${url}\n${models}`;
  if (spec.list?.shape === "openai-compatibility")
    return `openai-compatibility:\n  - name: contract\n    base-url: ${url}\n    api-key-entries:\n      - api-key: ${UPSTREAM_KEY}\n${models}`;
  return undefined;
}

/** cliproxy serving one credential of kind `id` against a fake upstream. */
async function rig(
  t: TestContext,
  id: string,
  spec: KindSpec,
): Promise<{ url: string; fake: FakeUpstream; app: ReturnType<typeof createApp> }> {
  const fake = await startFake(t, answer(spec));
  const home = mkdtempSync(join(tmpdir(), "cliproxy-contract-"));
  const list = listYaml(spec, fake.url) ?? "";
  const text = `api-keys: [${CLIENT_KEY}]\nusage-statistics-enabled: true\nauth-dir: ${join(home, "auth")}\n${list}`;
  const { config } = parseConfig(text, { homeDir: home, env: {}, kinds: KINDS_WITH_ECHO });
  const app = createApp({
    config,
    log: createLogger({ sink: () => {} }),
    env: {},
    homeDir: home,
    kinds: KINDS_WITH_ECHO,
  });
  if (!spec.list) {
    const models = [{ name: UPSTREAM_MODEL, alias: MODEL }];
    const cred = {
      id: "contract-token.json",
      provider: spec.provider,
      kind: id,
      apiKey: UPSTREAM_KEY,
      baseUrl: fake.url,
      models,
    };
    app.providers.setExtraCredentials("contract", [buildCredential(cred, false)]);
    app.log.secrets.add(UPSTREAM_KEY); // as the token store does for every access token it loads (oauth-pool.ts)
  }
  const running = await listen(app, "127.0.0.1", 0, allRoutes(app.kinds));
  t.after(() => running.close(100));
  return { url: `http://127.0.0.1:${running.port}`, fake, app };
}

function chat(url: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, stream, messages: [{ role: "user", content: "hi" }] }),
    signal,
  });
}

/** The text of a Chat SSE answer. */
function streamedText(body: string): string {
  return body
    .split("\n")
    .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
    .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? "")
    .join("");
}

for (const [id, spec] of KINDS) {
  test(`${id}: the upstream gets the credential's key in a header, never the client's, and the upstream model`, async (t) => {
    const { url, fake } = await rig(t, id, spec);
    assert.equal((await chat(url, false)).status, 200);
    const up = fake.requests[0];
    const headers = JSON.stringify(up.headers);
    assert.ok(headers.includes(UPSTREAM_KEY), `the key travels in a header: ${headers}`);
    assert.ok(!up.url.includes(UPSTREAM_KEY), "never in the URL");
    assert.ok(![headers, up.url, up.body.toString()].some((s) => s.includes(CLIENT_KEY)), "the client key stays here");
    assert.ok(
      up.url.includes(UPSTREAM_MODEL) || JSON.stringify(up.json).includes(`"model":"${UPSTREAM_MODEL}"`),
      "model set",
    );
    assert.ok(!JSON.stringify(up.json ?? {}).includes(`"${MODEL}"`), "the alias is not sent");
  });

  test(`${id}: a non-stream request gets one JSON answer, a stream request an event stream, with usage parsed from each`, async (t) => {
    const { url, fake, app } = await rig(t, id, spec);
    const whole = await chat(url, false);
    assert.match(whole.headers.get("content-type") ?? "", /json/);
    assert.equal(((await whole.json()) as any).choices[0].message.content, TEXT);
    const parts = await chat(url, true);
    assert.match(parts.headers.get("content-type") ?? "", /text\/event-stream/);
    const body = await parts.text();
    assert.equal(streamedText(body), TEXT);
    assert.match(body, /data: \[DONE\]/);
    assert.ok(
      streamed(fake.requests[1]) || spec.executor.dialect === "openai-responses",
      "the upstream was asked to stream",
    );
    const records = app.providers.usage.drain(10);
    assert.equal(records.length, 2);
    for (const r of records) {
      assert.equal(r.executorType, id);
      assert.deepEqual([r.tokens.inputTokens, r.tokens.outputTokens], [USAGE.input, USAGE.output]);
    }
  });

  test(`${id}: an upstream error reaches the client with its status, and the key does not`, async (t) => {
    const { url, fake } = await rig(t, id, spec);
    fake.handle((_req, res) =>
      sendJson(res, 400, {
        error: { message: `Bad field for ${UPSTREAM_KEY}`, type: "invalid_request_error", code: 400 },
      }),
    );
    const res = await chat(url, false);
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.match(text, /Bad field/);
    assert.ok(!text.includes(UPSTREAM_KEY), text);
  });

  // The timeout turns a missing abort into a failure instead of a hang.
  test(`${id}: a client that goes away aborts the upstream request`, { timeout: 10_000 }, async (t) => {
    const { url, fake } = await rig(t, id, spec);
    fake.handle(() => undefined); // never answers
    const client = new AbortController();
    const pending = chat(url, true, client.signal).catch((err: Error) => err);
    const up = await fake.nth(1);
    client.abort();
    assert.equal(((await pending) as Error).name, "AbortError");
    await up.closed; // resolves only when cliproxy closes the upstream connection
  });
}
