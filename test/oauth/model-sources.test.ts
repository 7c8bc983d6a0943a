/**
 * OAuth users add models in config: an `oauth-model-alias` entry whose name the catalogue lacks is served
 * (CLIProxyAPI HEAD a7e3596b7 sdk/cliproxy/service_models.go applyOAuthModelAliasEntries only renames
 * catalogue models; cliproxy also adds), and /v1/models says where each model comes from.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { sendJson, startFake } from "../support/fake-upstream.js";
import { CLIENT_KEY, claudeFile, claudeMessage, post, startProxy } from "./e2e-support.js";
import { aliasedModels } from "../../src/providers/oauth-pool.js";

test("oauth-model-alias adds a model the catalogue lacks (with or without alias); /v1/models marks catalogue and config models", async (t) => {
  const anthropic = await startFake(t, (_r, res) => sendJson(res, 200, claudeMessage()));
  const p = await startProxy(t, {
    endpoints: { claude: { "api-base-url": anthropic.url } },
    files: { "claude-u.json": claudeFile("sk-ant-oat01-sources-0000000") },
    yaml: [
      "oauth-model-alias:",
      "  claude:",
      '    - name: "claude-opus-9-preview"',
      '    - name: "claude-next-upstream"',
      '      alias: "next"',
      '    - name: "claude-sonnet-4-5"',
      '      alias: "s45"',
      "      fork: true",
    ],
  });
  const list = (await (
    await fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })
  ).json()) as { data: Array<Record<string, unknown>> };
  const src = Object.fromEntries(list.data.map((m) => [m.id, m.source]));
  assert.equal(src["claude-opus-9-preview"], "config");
  assert.equal(src.next, "config");
  assert.equal(src.s45, "config");
  assert.equal(src["claude-sonnet-4-5"], "catalogue");
  assert.equal(src["claude-next-upstream"], undefined, "an added model is listed under its alias only");
  for (const m of list.data) assert.deepEqual(Object.keys(m).sort(), ["created", "id", "object", "owned_by", "source"]);

  for (const model of ["claude-opus-9-preview", "next"]) {
    const res = await post(
      `${p.url}/v1/messages`,
      { model, max_tokens: 8, messages: [{ role: "user", content: "hi" }] },
      { "anthropic-version": "2023-06-01" },
    );
    assert.equal(res.status, 200, await res.clone().text());
  }
  assert.equal((await anthropic.nth(1)).json.model, "claude-opus-9-preview");
  assert.equal((await anthropic.nth(2)).json.model, "claude-next-upstream", "the alias is sent as its upstream name");
});

test("aliasedModels(): catalogue names keep their source; an alias equal to its catalogue name adds nothing", () => {
  const out = aliasedModels("claude", {
    oauthModelAlias: {
      claude: [
        { name: "claude-sonnet-4-5", alias: "claude-sonnet-4-5", fork: false },
        { name: "x-new", alias: "x-new", fork: false },
      ],
    },
  })!;
  assert.equal(out.filter((m) => m.alias === "claude-sonnet-4-5").length, 1);
  assert.equal(out.find((m) => m.alias === "claude-sonnet-4-5")!.source, "catalogue");
  assert.deepEqual(out.at(-1), { name: "x-new", alias: "x-new", source: "config" });
});
