import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  formatTime,
  loadAuthDir,
  parseTime,
  parseTokenFile,
  safeSegment,
  writeTokenFile,
  expiryOf,
} from "../../src/oauth/store.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/oauth/cliproxyapi/", import.meta.url));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "cliproxy-store-"));
}

test("S-12 CLIProxyAPI-written files (one line, sorted keys, local-offset times) of all four types load with their fields", async () => {
  const dir = tempDir();
  cpSync(FIXTURES, dir, { recursive: true });
  const { credentials, problems } = await loadAuthDir(dir);
  assert.deepEqual(problems, []);
  const by = Object.fromEntries(credentials.map((c) => [c.type, c]));
  assert.deepEqual(Object.keys(by).sort(), ["antigravity", "claude", "codex", "gemini"]);
  assert.equal(by.claude.accessToken, "sk-ant-oat01-fixture-access-0123456789");
  assert.equal(by.claude.expiresAt, Date.parse("2099-01-01T02:00:00Z"));
  assert.equal(by.claude.lastRefresh, Date.parse("2026-01-01T02:00:00Z"));
  assert.equal(by.claude.priority, 3);
  assert.equal(by.claude.prefix, "sub");
  assert.equal(by.claude.note, "desk");
  assert.equal(by.codex.accountId, "acct-fixture");
  assert.equal(by.codex.lastRefresh, Date.parse("2026-01-01T10:00:00Z"));
  assert.equal(by.codex.expiresAt, Date.parse("2099-01-01T15:00:00Z"));
  assert.equal(by.gemini.provider, "gemini-cli");
  assert.equal(by.gemini.accessToken, "ya29.fixture-gemini-access-0123456789");
  assert.equal(by.gemini.refreshToken, "1//fixture-gemini-refresh");
  assert.equal(by.gemini.expiresAt, Date.parse("2099-01-01T08:00:00.123Z"));
  assert.equal(by.gemini.projectId, "fixture-proj");
  assert.equal(by.antigravity.projectId, "anti-fixture");
  assert.equal(by.antigravity.expiresAt, Date.parse("2099-01-01T09:00:00Z"));
  assert.ok(credentials.every((c) => !c.disabled && c.id === c.file));
});

test("S-22 kill -9 during repeated rewrites leaves a complete old or new file, and temp files are never loaded", async () => {
  const dir = tempDir();
  await writeTokenFile(dir, "claude-k.json", { type: "claude", access_token: "sk-ant-oat01-gen-0", n: 0 });
  const script = fileURLToPath(new URL("../fixtures/oauth/write-loop.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, dir, "claude-k.json"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => {
    let seen = "";
    child.stdout.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.split("\n").length > 20) resolve();
    });
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const text = readFileSync(join(dir, "claude-k.json"), "utf8");
  const data = JSON.parse(text);
  assert.equal(data.access_token, `sk-ant-oat01-gen-${data.n}`);
  assert.equal(statSync(join(dir, "claude-k.json")).mode & 0o777, 0o600);
  // Simulate the worst case too: a half-written temp file left next to the real one.
  writeFileSync(join(dir, ".claude-k.json.tmp-deadbeef"), text.slice(0, 100));
  const { credentials, problems } = await loadAuthDir(dir);
  assert.deepEqual(
    credentials.map((c) => c.file),
    ["claude-k.json"],
  );
  assert.deepEqual(problems, []);
});

test("writeTokenFile() writes 2-space JSON and a newline, 0600 in a 0700 directory, and refuses unsafe names", async () => {
  const dir = join(tempDir(), "nested", "auth");
  const content = await writeTokenFile(dir, "a.json", { type: "claude", n: 1 });
  assert.equal(content, '{\n  "type": "claude",\n  "n": 1\n}\n');
  assert.equal(readFileSync(join(dir, "a.json"), "utf8"), content);
  assert.equal(statSync(join(dir, "a.json")).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  await assert.rejects(writeTokenFile(dir, "../x.json", {}), /not a plain \.json file name/);
  await assert.rejects(writeTokenFile(dir, "x.txt", {}), /not a plain \.json file name/);
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("loadAuthDir() reports empty, invalid, type-less and non-object files, and answers an absent directory with nothing", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "empty.json"), "");
  writeFileSync(join(dir, "bad.json"), "{nope");
  writeFileSync(join(dir, "notype.json"), '{"a":1}');
  writeFileSync(join(dir, "array.json"), "[1]");
  writeFileSync(join(dir, "readme.txt"), "x");
  writeFileSync(join(dir, "kimi-1.json"), '{"type":"Kimi","access_token":"k"}');
  const { credentials, problems } = await loadAuthDir(dir);
  assert.deepEqual(
    credentials.map((c) => [c.file, c.type, c.provider]),
    [["kimi-1.json", "kimi", "kimi"]],
  );
  assert.equal(problems.length, 4);
  assert.match(problems.join("\n"), /empty\.json: empty file/);
  assert.match(problems.join("\n"), /bad\.json: not valid JSON/);
  assert.match(problems.join("\n"), /notype\.json: no "type" field/);
  assert.match(problems.join("\n"), /array\.json: not a JSON object/);
  assert.deepEqual(await loadAuthDir(join(dir, "missing")), { credentials: [], problems: [], notices: [] });
});

test("parseTime() reads RFC 3339 with any offset, space-separated times, Unix seconds and ms; formatTime() writes UTC without fraction", () => {
  assert.equal(parseTime("2026-06-14T05:47:03Z"), Date.parse("2026-06-14T05:47:03Z"));
  assert.equal(parseTime("2026-06-14T07:47:03.5+02:00"), Date.parse("2026-06-14T05:47:03.5Z"));
  assert.equal(parseTime("2026-06-14 05:47"), Date.parse("2026-06-14T05:47:00Z"));
  assert.equal(parseTime(1781416023), 1781416023000);
  assert.equal(parseTime(1781416023000), 1781416023000);
  assert.equal(parseTime("1781416023"), 1781416023000);
  assert.equal(parseTime("soon"), undefined);
  assert.equal(parseTime(""), undefined);
  assert.equal(parseTime(null), undefined);
  assert.equal(formatTime(Date.parse("2026-06-14T05:47:03.999Z")), "2026-06-14T05:47:03Z");
});

test("parseTokenFile() reads every optional key and expiry spelling; a multi-project Gemini file is a disabled parent plus one credential per project", () => {
  const [c] = parseTokenFile("x.json", {
    type: "claude",
    access_token: "a",
    expires_at: 1781416023,
    lastRefreshedAt: "2026-01-01T00:00:00Z",
    excluded_models: ["m*", 3],
    headers: { "x-a": "1", bad: 2 },
    proxy_url: "socks5://h:1",
    "disable-cooling": true,
    refreshInterval: "600",
    label: "L",
    base_url: "http://b",
  }) as ReturnType<typeof parseTokenFile> & object[];
  assert.equal(c.expiresAt, 1781416023000);
  assert.equal(c.lastRefresh, Date.parse("2026-01-01T00:00:00Z"));
  assert.deepEqual(c.excludedModels, ["m*"]);
  assert.deepEqual(c.headers, { "x-a": "1" });
  assert.equal(c.proxyUrl, "socks5://h:1");
  assert.equal(c.disableCooling, true);
  assert.equal(c.refreshIntervalSeconds, 600);
  assert.equal(c.label, "L");
  assert.equal(c.baseUrl, "http://b");
  const multi = parseTokenFile("g.json", {
    type: "gemini",
    project_id: "a, b/c",
    token: { access_token: "t", expiry: "2099-01-01T00:00:00Z" },
  });
  assert.ok(Array.isArray(multi));
  assert.deepEqual(
    multi.map((m) => [m.id, m.projectId, m.disabled, m.accessToken]),
    [
      ["g.json", "a, b/c", true, "t"],
      ["g.json::a", "a", false, "t"],
      ["g.json::b_c", "b/c", false, "t"],
    ],
  );
  assert.equal(expiryOf({ timestamp: 1_700_000_000_000, expires_in: 60 }), 1_700_000_060_000);
  assert.equal(expiryOf({}), undefined);
});

test("safeSegment() leaves one path segment without separators, dot-dot or control characters", () => {
  assert.equal(safeSegment("user@example.com"), "user@example.com");
  assert.equal(safeSegment("a/b\\c"), "a_b_c");
  assert.equal(safeSegment("..\u0000x"), "__x");
  assert.equal(safeSegment("..."), "_");
  assert.equal(safeSegment(""), "unknown");
});

test("parseTokenFile() refuses a token file whose base_url or proxy_url cannot work, naming the field", () => {
  assert.equal(
    parseTokenFile("a.json", { type: "claude", access_token: "t", base_url: "file:///etc" }),
    'a.json: base_url: expected an http:// or https:// URL with a host, got "file:///etc"',
  );
  assert.match(
    String(parseTokenFile("b.json", { type: "codex", access_token: "t", proxy_url: "javascript:x" })),
    /^b\.json: proxy_url: expected an http:\/\/, https:\/\/, socks5:\/\/ or socks5h:\/\/ proxy URL/,
  );
  assert.ok(
    Array.isArray(
      parseTokenFile("c.json", {
        type: "codex",
        access_token: "t",
        proxy_url: "socks5://127.0.0.1:1080",
        base_url: "https://x.example",
      }),
    ),
  );
});

test(
  "loadAuthDir() skips a FIFO named *.json without blocking, refuses a link out of auth-dir, follows one inside, and reads regular files",
  { timeout: 20_000 },
  async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdirSync, symlinkSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "auth-"));
    const outside = mkdtempSync(join(tmpdir(), "outside-"));
    const token = (n: string) => JSON.stringify({ type: "claude", access_token: `at-${n}`, email: `${n}@example.com` });
    writeFileSync(join(dir, "good.json"), token("good"));
    writeFileSync(join(outside, "stolen.json"), token("stolen"));
    symlinkSync(join(outside, "stolen.json"), join(dir, "link-out.json"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "inner.json"), token("inner"));
    symlinkSync(join(dir, "sub", "inner.json"), join(dir, "link-in.json"));
    execFileSync("mkfifo", [join(dir, "pipe.json")]);
    const got = await loadAuthDir(dir);
    assert.deepEqual(got.credentials.map((c) => c.email).sort(), ["good@example.com", "inner@example.com"]);
    assert.equal(got.problems.length, 2);
    assert.match(
      got.problems.find((p) => p.startsWith("link-out.json")) ?? "",
      /^link-out\.json: is a symbolic link to .*stolen\.json, outside auth-dir: not followed$/,
    );
    assert.equal(
      got.problems.find((p) => p.startsWith("pipe.json")),
      "pipe.json: is not a regular file",
    );
  },
);

test("loadAuthDir() sets an auth-dir other users can read to 0700 and says so", async () => {
  const { chmodSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "auth-"));
  chmodSync(dir, 0o755);
  const got = await loadAuthDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.deepEqual(got.notices, [`auth-dir ${dir} was mode 0755, readable by other users; set it to 0700`]);
  assert.deepEqual((await loadAuthDir(dir)).notices, [], "once is enough");
});
