/**
 * TokenManager with a RefreshCoordinator (the seam the PostgreSQL store fills): the refresh runs inside
 * exclusive() and hands back what to store; a newer token another replica stored is adopted without a
 * refresh call; one that is already due again is refreshed from that newer copy. The coordinator here
 * is a plain in-memory stand-in for the database row and lock.
 */
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import { TokenManager, type RefreshCoordinator } from "../../src/oauth/refresh.js";
import { formatTime } from "../../src/oauth/store.js";
import { fakeClock } from "../support/server.js";
import { claudeTokenAnswer, startFakeOAuth } from "../fixtures/oauth/fake-oauth.js";

const HOUR = 3600_000;

async function setup(t: test.TestContext, stored: Record<string, unknown> | undefined) {
  const oauth = await startFakeOAuth(t);
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-coord-"));
  const clock = fakeClock(Date.now());
  const file = {
    type: "claude",
    access_token: "sk-ant-oat01-old-access-xxxxxxxx",
    refresh_token: "sk-ant-ort01-old-refresh-xxxx",
    expired: formatTime(clock.now() - 1000),
  };
  writeFileSync(join(dir, "claude-u.json"), JSON.stringify(file));
  const saved: Array<Record<string, unknown> | undefined> = [];
  const latest: Array<Record<string, unknown> | undefined> = [];
  const coordinator: RefreshCoordinator = {
    async exclusive(_file, refresh) {
      latest.push(stored);
      saved.push(await refresh(stored));
    },
  };
  const config = makeConfig({ authDir: dir, oauthEndpoints: oauth.endpoints() });
  let wrote!: (content: string) => void;
  const written = new Promise<string>((r) => (wrote = r));
  const tokens = new TokenManager({
    log: createLogger({ sink: () => undefined }),
    clock,
    config: () => config,
    coordinator,
    onWritten: (_f, content) => wrote(content),
  });
  await tokens.load(dir);
  return { oauth, dir, tokens, saved, clock, written };
}

test("a refresh runs inside the coordinator and returns the new file for it to store", async (t) => {
  const { oauth, tokens, saved } = await setup(t, undefined);
  const c = await tokens.ensureFresh("claude-u.json");
  assert.equal(c.accessToken, claudeTokenAnswer(2).access_token);
  assert.equal(oauth.calls("POST /token").length, 1);
  assert.equal(saved.length, 1);
  assert.equal(saved[0]!.access_token, claudeTokenAnswer(2).access_token);
});

test("a fresh token another replica stored is taken without a refresh call, and written to the local file", async (t) => {
  const newer = {
    type: "claude",
    access_token: "sk-ant-oat01-from-other-replica-x",
    refresh_token: "sk-ant-ort01-other-xxxx",
    expired: formatTime(Date.now() + 8 * HOUR),
  };
  const { oauth, tokens, saved, dir, written } = await setup(t, newer);
  const c = await tokens.ensureFresh("claude-u.json");
  assert.match(await written, /from-other-replica/);
  assert.equal(c.accessToken, "sk-ant-oat01-from-other-replica-x");
  assert.equal(oauth.calls("POST /token").length, 0);
  assert.deepEqual(saved, [undefined], "nothing new to store");
  assert.match(readFileSync(join(dir, "claude-u.json"), "utf8"), /from-other-replica/);
});

test("a stored token that is itself due again is refreshed with the stored (newest) refresh token", async (t) => {
  const stale = {
    type: "claude",
    access_token: "sk-ant-oat01-other-but-expired-x",
    refresh_token: "sk-ant-ort01-newest-refresh",
    expired: formatTime(Date.now() - 1000),
  };
  const { oauth, tokens } = await setup(t, stale);
  const c = await tokens.ensureFresh("claude-u.json");
  assert.equal(c.accessToken, claudeTokenAnswer(2).access_token);
  const call = oauth.calls("POST /token")[0];
  assert.equal(call.json.refresh_token, "sk-ant-ort01-newest-refresh");
});
