// The exact outgoing request of a Claude subscription per client shape, as CLIProxyAPI HEAD a7e3596b7
// (internal/runtime/executor/claude_executor_*.go, helps/claude_*.go) sends it; the fake records URL, headers, body.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer } from "../support/server.js";
import { startFake, sendJson, type FakeHandler } from "../support/fake-upstream.js";
import { startOAuth } from "../../src/providers/oauth-pool.js";
import { formatTime } from "../../src/oauth/store.js";
import { signClaudeBody } from "../../src/providers/claude-cch.js";
import { isMcpToolName } from "../../src/providers/claude-tools.js";
import { claudeMessage, post, sendSse, CLIENT_KEY } from "./support.js";

const ACCOUNT = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude.";

async function subscription(
  t: Parameters<typeof startServer>[0],
  handler: FakeHandler,
  file: Record<string, unknown> = {},
  config: Parameters<typeof startServer>[1] = {},
) {
  const fake = await startFake(t, handler);
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], ...config });
  const dir = s.app.config().authDir;
  mkdirSync(dir, { recursive: true });
  const data = {
    type: "claude",
    access_token: "sk-ant-oat01-sub",
    email: "u@example.com",
    account_uuid: ACCOUNT,
    expired: formatTime(Date.now() + 8 * 3600_000),
    base_url: fake.url,
    ...file,
  };
  writeFileSync(join(dir, "claude-u.json"), JSON.stringify(data));
  const rt = await startOAuth(s.app, { background: false });
  t.after(() => rt.stop());
  return { s, fake };
}

/** True when the body's cch is the one Claude Code would compute over these exact bytes. */
function signedCorrectly(body: Buffer): boolean {
  const zeroed = Buffer.from(body.toString().replace(/cch=[0-9a-f]{5};/, "cch=00000;"));
  return signClaudeBody(zeroed).equals(body);
}

const AMP_BODY = {
  model: "claude-opus-4-8",
  max_tokens: 64,
  stream: true,
  system: [
    { type: "text", text: "You are Amp." },
    { type: "text", text: "Rules: be brief." },
  ],
  tools: [
    { name: "Bash", description: "run", input_schema: { type: "object" } },
    { name: "read_file", input_schema: { type: "object" } },
    { name: "mcp__github__search", input_schema: { type: "object" } },
    { type: "web_search_20250305", name: "web_search" },
  ],
  tool_choice: { type: "auto" },
  messages: [
    { role: "user", content: "list files" },
    { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: { cmd: "ls" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "a.txt" }] },
  ],
};

test("an Amp-shaped request on a subscription is cloaked as Claude Code 2.1.220 and its tool names come back in the stream", async (t) => {
  let alias = "";
  const { s, fake } = await subscription(t, (r, res) => {
    alias = r.json.tools[0].name;
    sendSse(res, [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-opus-4-8","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}\n\n',
      `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t2","name":"${alias}","input":{}}}\n\n`,
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ]);
  });
  const res = await post(s.url, "/v1/messages", AMP_BODY, {
    "user-agent": "amp/0.0.1",
    "anthropic-beta": "context-1m-2025-08-07",
    "x-stainless-package-version": "0.50.0",
  });
  const text = await res.text();
  assert.equal(res.status, 200);
  assert.match(text, /"name":"Bash"/);
  assert.doesNotMatch(text, /mcp__/);

  const r = await fake.nth(1);
  assert.equal(r.url, "/v1/messages?beta=true");
  // system: exactly [billing header (signed), Claude Code identity].
  assert.equal(r.json.system.length, 2);
  assert.match(
    r.json.system[0].text,
    /^x-anthropic-billing-header: cc_version=2\.1\.220\.[0-9a-f]{3}; cc_entrypoint=cli; cch=[0-9a-f]{5};$/,
  );
  assert.deepEqual(r.json.system[1], { type: "text", text: IDENTITY, cache_control: { type: "ephemeral" } });
  assert.ok(signedCorrectly(r.body), "cch matches the bytes sent");
  // The client's system text: role=system turns after the first user turn (claude-opus-4-8 accepts them).
  assert.deepEqual(r.json.messages[1], {
    role: "system",
    content: [{ type: "text", text: "You are Amp.", cache_control: { type: "ephemeral" } }],
  });
  assert.deepEqual(r.json.messages[2].content[0].text, "Rules: be brief.");
  assert.match(
    r.json.messages[0].content[0].text,
    /^<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# currentDate\nToday's date is \d{4}-\d\d-\d\d\./,
  );
  // Tools: client tools renamed in the MCP scheme, MCP and server tools untouched, history renamed alike.
  const names = r.json.tools.map((x: { name: string }) => x.name);
  assert.ok(isMcpToolName(names[0]) && names[0].endsWith("_Bash"), names[0]);
  assert.ok(isMcpToolName(names[1]) && names[1].endsWith("_read_file"), names[1]);
  assert.deepEqual(names.slice(2), ["mcp__github__search", "web_search"]);
  assert.equal(r.json.messages[3].content[0].name, names[0]);
  // metadata.user_id: the credential's device and account, the session the header names.
  const uid = JSON.parse(r.json.metadata.user_id);
  assert.match(uid.device_id, /^[0-9a-f]{64}$/);
  assert.equal(uid.account_uuid, ACCOUNT);
  assert.equal(uid.session_id, r.headers["x-claude-code-session-id"]);
  // Headers: Claude Code 2.1.220's identity, whatever the client said about itself.
  assert.equal(r.headers.authorization, "Bearer sk-ant-oat01-sub");
  assert.equal(r.headers["x-api-key"], undefined);
  assert.equal(r.headers["user-agent"], "claude-cli/2.1.220 (external, cli)");
  assert.equal(r.headers["x-stainless-package-version"], "0.94.0");
  assert.equal(r.headers["x-stainless-runtime-version"], "v26.3.0");
  assert.equal(r.headers["x-stainless-os"], "MacOS");
  assert.equal(r.headers["x-stainless-arch"], "arm64");
  assert.equal(r.headers["x-app"], "cli");
  assert.equal(r.headers["anthropic-version"], "2023-06-01");
  assert.equal(r.headers["anthropic-dangerous-direct-browser-access"], "true");
  assert.equal(r.headers["x-stainless-timeout"], "600");
  assert.equal(
    r.headers["anthropic-beta"],
    [
      "claude-code-20250219",
      "oauth-2025-04-20",
      "context-1m-2025-08-07",
      "interleaved-thinking-2025-05-14",
      "redact-thinking-2026-02-12",
      "thinking-token-count-2026-05-13",
      "context-management-2025-06-27",
      "prompt-caching-scope-2026-01-05",
      "mid-conversation-system-2026-04-07",
      "advanced-tool-use-2025-11-20",
      "effort-2025-11-24",
      "fallback-credit-2026-06-01",
      "extended-cache-ttl-2025-04-11",
    ].join(","),
  );
});

test("a subscription keeps one device, account and session per credential, and restores tool names in whole answers", async (t) => {
  const { s, fake } = await subscription(
    t,
    (r, res) =>
      sendJson(res, 200, {
        ...claudeMessage(),
        content: [{ type: "tool_use", id: "t9", name: r.json.tools[0].name, input: {} }],
        stop_reason: "tool_use",
      }),
    { account_uuid: undefined },
  );
  const body = { ...AMP_BODY, stream: false, model: "claude-sonnet-4-5" };
  const a = (await (await post(s.url, "/v1/messages", body)).json()) as { content: Array<{ name: string }> };
  await (await post(s.url, "/v1/messages", body)).text();
  assert.equal(a.content[0].name, "Bash");
  const [u1, u2] = [
    JSON.parse((await fake.nth(1)).json.metadata.user_id),
    JSON.parse((await fake.nth(2)).json.metadata.user_id),
  ];
  assert.deepEqual(u1, u2);
  assert.match(u1.account_uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // claude-sonnet-4-5 rejects role=system turns: the system text is a reminder in the first user turn instead.
  const first = (await fake.nth(1)).json.messages[0].content;
  assert.equal(first[1].text, "<system-reminder>\nYou are Amp.\n</system-reminder>");
  assert.ok(!String((await fake.nth(1)).headers["anthropic-beta"]).includes("mid-conversation-system"));
});

test("a Claude Code request on a subscription keeps its own system, headers and betas; only cch, user_id and the credential's betas change", async (t) => {
  const { s, fake } = await subscription(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const billing = "x-anthropic-billing-header: cc_version=2.1.230.abc; cc_entrypoint=cli;";
  const userId = JSON.stringify({
    device_id: "d".repeat(64),
    account_uuid: "own",
    session_id: "11111111-2222-4333-8444-555555555555",
  });
  const raw = `{"model":"claude-opus-4-8","max_tokens":32,"system":[{"type":"text","text":"${billing}"},{"type":"text","text":"${IDENTITY}","cache_control":{"type":"ephemeral"}},{"type":"text","text":"CC prompt"}],"tools":[{"name":"Bash","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"hi"}],"metadata":{"user_id":${JSON.stringify(userId)}}}`;
  const headers = {
    "user-agent": "claude-cli/2.1.230 (external, cli)",
    "x-app": "cli",
    "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,effort-2025-11-24",
    "x-stainless-package-version": "0.95.0",
    "x-stainless-runtime-version": "v26.4.0",
    "x-stainless-os": "Linux",
    "x-stainless-arch": "x64",
    "x-claude-code-session-id": "11111111-2222-4333-8444-555555555555",
    "anthropic-version": "2023-06-01",
  };
  assert.equal((await post(s.url, "/v1/messages", raw, headers)).status, 200);
  const r = await fake.nth(1);
  assert.equal(r.json.system.length, 3, "no second identity block");
  assert.equal(r.json.system[1].text, IDENTITY);
  assert.equal(r.json.system[2].text, "CC prompt");
  assert.match(
    r.json.system[0].text,
    /^x-anthropic-billing-header: cc_version=2\.1\.230\.abc; cc_entrypoint=cli; cch=[0-9a-f]{5};$/,
  );
  assert.ok(signedCorrectly(r.body));
  assert.equal(r.json.tools[0].name, "Bash", "Claude Code's tools are not renamed");
  const uid = JSON.parse(r.json.metadata.user_id);
  assert.equal(uid.account_uuid, ACCOUNT);
  assert.equal(uid.session_id, "11111111-2222-4333-8444-555555555555");
  // Everything but system[0] and metadata is the client's bytes.
  const strip = (b: string) =>
    b.replace(/"system":\[\{"type":"text","text":"[^"]*"\}/, "").replace(/"metadata":\{.*\}\}$/, "");
  assert.equal(strip(r.body.toString()), strip(raw));
  for (const name of [
    "user-agent",
    "x-stainless-package-version",
    "x-stainless-runtime-version",
    "x-stainless-os",
    "x-stainless-arch",
    "x-claude-code-session-id",
  ]) {
    assert.equal(r.headers[name], headers[name as keyof typeof headers], name);
  }
  assert.equal(
    r.headers["anthropic-beta"],
    "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,effort-2025-11-24,extended-cache-ttl-2025-04-11",
  );
});

test("an OpenAI chat client on a subscription gets a cloaked upstream request and its own function names back", async (t) => {
  const { s, fake } = await subscription(t, (r, res) =>
    sendJson(res, 200, {
      ...claudeMessage(),
      content: [{ type: "tool_use", id: "t1", name: r.json.tools[0].name, input: { q: 1 } }],
      stop_reason: "tool_use",
    }),
  );
  const res = await post(s.url, "/v1/chat/completions", {
    model: "claude-opus-4-8",
    messages: [
      { role: "system", content: "Sys" },
      { role: "user", content: "go" },
    ],
    tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
  });
  const out = (await res.json()) as {
    choices: Array<{ message: { tool_calls: Array<{ function: { name: string } }> } }>;
  };
  assert.equal(out.choices[0].message.tool_calls[0].function.name, "lookup");
  const r = await fake.nth(1);
  assert.ok(r.json.tools[0].name.startsWith("mcp__") && r.json.tools[0].name.endsWith("_lookup"));
  assert.match(r.json.system[0].text, /^x-anthropic-billing-header:/);
  assert.ok(
    r.json.messages.some(
      (m: { role: string; content: Array<{ text: string }> }) => m.role === "system" && m.content[0].text === "Sys",
    ),
  );
});

test("count_tokens on a subscription carries no system (the client's moves into messages) and Claude Code's count betas", async (t) => {
  const { s, fake } = await subscription(t, (_r, res) => sendJson(res, 200, { input_tokens: 7 }));
  const res = await post(s.url, "/v1/messages/count_tokens", {
    model: "claude-opus-4-8",
    system: "S",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.deepEqual(await res.json(), { input_tokens: 7 });
  const r = await fake.nth(1);
  assert.equal(r.url, "/v1/messages/count_tokens?beta=true");
  assert.equal(r.json.system, undefined);
  assert.deepEqual(r.json.messages[1], {
    role: "system",
    content: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }],
  });
  assert.equal(
    r.headers["anthropic-beta"],
    "claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,context-management-2025-06-27,token-counting-2024-11-01",
  );
  assert.equal(r.headers["x-stainless-timeout"], undefined);
});

test("claude-header-defaults replace the cloaked device profile and the billing version follows its user-agent", async (t) => {
  const { s, fake } = await subscription(
    t,
    (_r, res) => sendJson(res, 200, claudeMessage()),
    {},
    {
      claudeHeaderDefaults: {
        "user-agent": "claude-cli/2.1.240 (external, cli)",
        "package-version": "0.99.0",
        os: "Linux",
      },
    },
  );
  await (
    await post(s.url, "/v1/messages", {
      model: "claude-opus-4-8",
      max_tokens: 8,
      messages: [{ role: "user", content: "hi" }],
    })
  ).text();
  const r = await fake.nth(1);
  assert.equal(r.headers["user-agent"], "claude-cli/2.1.240 (external, cli)");
  assert.equal(r.headers["x-stainless-package-version"], "0.99.0");
  assert.equal(r.headers["x-stainless-os"], "Linux");
  assert.match(r.json.system[0].text, /cc_version=2\.1\.240\./);
});
