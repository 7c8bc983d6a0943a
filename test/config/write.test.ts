import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  symlinkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { sharedAbsent } from "../support/config.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyEdits, updateConfigFile } from "../../src/config/write.js";
import { parseConfig } from "../../src/config/load.js";
import { parseYaml } from "../../src/config/yaml.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

const BASE = `# cliproxy config
host: "127.0.0.1"   # bind address
port: 8317

tls:
  enable: false  # https
  cert: ''
api-keys:
  # client keys
  - "k1"   # first
  - k2
debug: false # log level
gemini-api-key:
  - api-key: "g1"
    prefix: p
  - api-key: g2
routing: { strategy: round-robin }
# trailing comment
`;

/** The lines that differ once the common first and last lines are set aside. */
function diff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return { removed: a.slice(head, a.length - tail), added: b.slice(head, b.length - tail) };
}

test("applyEdits() changes only the scalar's line, keeping its quoting and trailing comment", () => {
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["debug"], value: true }])), {
    removed: ["debug: false # log level"],
    added: ["debug: true # log level"],
  });
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["host"], value: "0.0.0.0" }])), {
    removed: ['host: "127.0.0.1"   # bind address'],
    added: ['host: "0.0.0.0"   # bind address'],
  });
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["tls", "cert"], value: "it's.pem" }])), {
    removed: ["  cert: ''"],
    added: ["  cert: 'it''s.pem'"],
  });
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["api-keys", 1], value: "needs: quotes" }])), {
    removed: ["  - k2"],
    added: ['  - "needs: quotes"'],
  });
});

test("applyEdits() returns the text unchanged when the value is already set", () => {
  assert.equal(
    applyEdits(BASE, [
      { path: ["port"], value: 8317 },
      { path: ["missing"], value: undefined },
    ]),
    BASE,
  );
});

test("applyEdits() adds a key at the end of its map with the map's indentation", () => {
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["tls", "key"], value: "/k.pem" }])), {
    removed: [],
    added: ['  key: "/k.pem"'],
  });
});

test("applyEdits() adds a key to a list item's map under its first key", () => {
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["gemini-api-key", 1, "prefix"], value: "g" }])), {
    removed: [],
    added: ['    prefix: "g"'],
  });
  const out = applyEdits(BASE, [{ path: ["gemini-api-key", 1, "models"], value: [{ name: "a", alias: "b" }] }]);
  assert.deepEqual(diff(BASE, out).added, ["    models:", '      - name: "a"', '        alias: "b"']);
  assert.deepEqual(parseConfig(out, { kinds: PROVIDER_KINDS, homeDir: "/h", env: {} }).config.geminiApiKey[1].models, [
    { name: "a", alias: "b" },
  ]);
});

test("applyEdits() creates missing parent maps at the end of the file", () => {
  const out = applyEdits(BASE, [{ path: ["ampcode", "model-mappings"], value: [{ from: "a", to: "b", regex: true }] }]);
  assert.equal(out, BASE + 'ampcode:\n  model-mappings:\n    - from: "a"\n      to: "b"\n      regex: true\n');
  assert.equal(applyEdits("port: 1", [{ path: ["debug"], value: false }]), "port: 1\ndebug: false\n");
  assert.equal(applyEdits("", [{ path: ["api-keys"], value: [] }]), "api-keys: []\n");
  assert.equal(
    applyEdits("# only a comment\n", [{ path: ["a", "b"], value: { c: 1 } }]),
    "# only a comment\na:\n  b:\n    c: 1\n",
  );
});

test("applyEdits() updates a list item by item, keeping comments between items", () => {
  const out = applyEdits(BASE, [{ path: ["api-keys"], value: ["k1", "k3", "k4"] }]);
  assert.deepEqual(diff(BASE, out), { removed: ["  - k2"], added: ["  - k3", '  - "k4"'] });
  assert.deepEqual(parseConfig(out, { kinds: PROVIDER_KINDS, homeDir: "/h", env: {} }).config.apiKeys, [
    "k1",
    "k3",
    "k4",
  ]);
});

test("applyEdits() updates a map key by key, deleting keys the new value lacks", () => {
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["tls"], value: { enable: true } }])), {
    removed: ["  enable: false  # https", "  cert: ''"],
    added: ["  enable: true  # https"],
  });
});

test("applyEdits() deletes a list item or a key with its lines only", () => {
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["api-keys", 0], value: undefined }])), {
    removed: ['  - "k1"   # first'],
    added: [],
  });
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["gemini-api-key", 0, "prefix"], value: undefined }])), {
    removed: ["    prefix: p"],
    added: [],
  });
  assert.deepEqual(diff(BASE, applyEdits(BASE, [{ path: ["tls"], value: undefined }])), {
    removed: ["tls:", "  enable: false  # https", "  cert: ''"],
    added: [],
  });
});

test("applyEdits() rewrites a list item's first key by re-emitting the item", () => {
  const out = applyEdits(BASE, [{ path: ["gemini-api-key", 0, "api-key"], value: undefined }]);
  assert.deepEqual(diff(BASE, out), { removed: ['  - api-key: "g1"', "    prefix: p"], added: ['  - prefix: "p"'] });
});

test("applyEdits() appends list items at the list's indentation", () => {
  const out = applyEdits(BASE, [
    { path: ["gemini-api-key", 2], value: { "api-key": "g3", models: [{ name: "x", alias: "y" }] } },
  ]);
  assert.deepEqual(diff(BASE, out), {
    removed: [],
    added: ['  - api-key: "g3"', "    models:", '      - name: "x"', '        alias: "y"'],
  });
});

test("applyEdits() re-emits a flow collection in block style when it changes, and only that node", () => {
  const out = applyEdits(BASE, [{ path: ["routing", "strategy"], value: "fill-first" }]);
  assert.deepEqual(diff(BASE, out), {
    removed: ["routing: { strategy: round-robin }"],
    added: ["routing:", '  strategy: "fill-first"'],
  });
});

test("applyEdits() replaces a scalar by a map and an empty value by a list", () => {
  assert.equal(
    applyEdits("tls: off-for-now\n", [{ path: ["tls", "enable"], value: false }]),
    "tls:\n  enable: false\n",
  );
  assert.equal(
    applyEdits("api-keys:\nport: 1\n", [{ path: ["api-keys", 0], value: "a" }]),
    'api-keys:\n  - "a"\nport: 1\n',
  );
});

test("applyEdits() keeps CRLF line endings and a byte-order mark", () => {
  const out = applyEdits("\uFEFFa: 1\r\nb: 2\r\n", [
    { path: ["b"], value: 3 },
    { path: ["c"], value: true },
  ]);
  assert.equal(out, "\uFEFFa: 1\r\nb: 3\r\nc: true\r\n");
});

test("applyEdits() refuses list indexes past the end and text that is not YAML", () => {
  assert.throws(() => applyEdits("a: [1]\n", [{ path: ["a", 5], value: 1 }]), /cannot set list index 5/);
  assert.throws(
    () => applyEdits("a: [1]\n", [{ path: ["a", "k"], value: 1 }]),
    /cannot set "k": the value there is a list/,
  );
  assert.throws(
    () => applyEdits("a: {b: 1}\n", [{ path: ["a", 0], value: 1 }]),
    /cannot set 0: the value there is a mapping/,
  );
  assert.throws(() => applyEdits("- a\n", [{ path: ["b"], value: 1 }]), /not a block mapping/);
  assert.throws(() => applyEdits('a: "open\n', [{ path: ["b"], value: 1 }]), { name: "YamlError" });
});

const TRICKY = `# c
x:   # trailing
  # inner
  y: |
    block text
  z: 'single'   # c
list:
  -
    k: 1
  - "q" # c
  -   spaced: 2
      other: [1, {a: 2}]
  - - n1
    - n2
empty: {}
nul:
"quoted key": 1
seq:
- a
- b
`;

/** Every path in a value. */
function pathsOf(v: unknown, p: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (p.length) out.push(p);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...p, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsOf(x, [...p, k], out);
  return out;
}

/** The expected value after an edit, computed on plain data. */
function edited(target: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === "number") {
    const list = [...(target as unknown[])];
    if (rest.length === 0 && value === undefined) list.splice(head, 1);
    else list[head] = edited(list[head], rest, value);
    return list;
  }
  const map = { ...(target as Record<string, unknown>) };
  if (rest.length === 0 && value === undefined) delete map[head];
  else map[head] = edited(map[head], rest, value);
  return map;
}

test("applyEdits() output always parses to the edited value (300 seeded random edits)", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const VALUES: unknown[] = [
    undefined,
    undefined,
    true,
    0,
    42,
    "x",
    "needs: quote",
    "it's",
    "",
    null,
    [],
    {},
    ["a", "b"],
    { k: "v", n: [1, { z: 2 }] },
    "multi\nline",
  ];
  for (let i = 0; i < 300; i++) {
    let text = pick([BASE, TRICKY]);
    for (let step = 0; step < 3; step++) {
      const before = parseYaml(text).value ?? {};
      const path = random() < 0.2 ? [...pick(pathsOf(before)).slice(0, -1), `added-${step}`] : pick(pathsOf(before));
      const at = (j: number) => path.slice(0, j).reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], before);
      if (path.some((seg, j) => (typeof seg === "number") !== Array.isArray(at(j)))) continue; // wrong-kind paths throw, tested below
      const value = pick(VALUES);
      const out = applyEdits(text, [{ path, value }]);
      assert.deepEqual(
        parseYaml(out).value ?? {},
        edited(before, path, value),
        `${JSON.stringify({ path, value })}\n${text}`,
      );
      text = out;
    }
  }
});

const FIXTURE = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
  "cliproxyapi",
  "config.example.e0cb43f38.yaml",
);

test(
  "applyEdits() on CLIProxyAPI's commented example changes only the edited lines",
  { skip: sharedAbsent(FIXTURE) },
  () => {
    const text = readFileSync(FIXTURE, "utf8");
    assert.deepEqual(diff(text, applyEdits(text, [{ path: ["debug"], value: true }])), {
      removed: ["debug: false"],
      added: ["debug: true"],
    });
    assert.deepEqual(
      diff(text, applyEdits(text, [{ path: ["remote-management", "secret-key"], value: "$2a$10$hash" }])),
      {
        removed: ['  secret-key: ""'],
        added: ['  secret-key: "$2a$10$hash"'],
      },
    );
    assert.deepEqual(diff(text, applyEdits(text, [{ path: ["api-keys"], value: ["your-api-key-1", "mine"] }])), {
      removed: ['  - "your-api-key-2"', '  - "your-api-key-3"'],
      added: ['  - "mine"'],
    });
  },
);

test("updateConfigFile() writes atomically, keeping the file's mode and leaving no temp file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-write-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, BASE);
  chmodSync(file, 0o640);
  const inode = statSync(file).ino;
  await updateConfigFile(file, [{ path: ["debug"], value: true }]);
  assert.equal(statSync(file).mode & 0o777, 0o640);
  assert.notEqual(statSync(file).ino, inode, "replaced by rename, not rewritten in place");
  assert.deepEqual(readdirSync(dir), ["config.yaml"]);
  assert.match(readFileSync(file, "utf8"), /^debug: true # log level$/m);
});

test("updateConfigFile() edits the file a symlink points to and keeps the link", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-write-"));
  mkdirSync(join(dir, "real"));
  writeFileSync(join(dir, "real", "config.yaml"), "debug: false\n");
  symlinkSync(join("real", "config.yaml"), join(dir, "config.yaml"));
  await updateConfigFile(join(dir, "config.yaml"), [{ path: ["debug"], value: true }]);
  assert.ok(lstatSync(join(dir, "config.yaml")).isSymbolicLink());
  assert.equal(readFileSync(join(dir, "real", "config.yaml"), "utf8"), "debug: true\n");
});

test("updateConfigFile() runs concurrent calls one at a time so no edit is lost", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-write-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "port: 8317\n");
  await Promise.all(Array.from({ length: 8 }, (_, i) => updateConfigFile(file, [{ path: [`k${i}`], value: i }])));
  const text = readFileSync(file, "utf8");
  for (let i = 0; i < 8; i++) assert.match(text, new RegExp(`^k${i}: ${i}$`, "m"));
});

test("updateConfigFile() creates a missing file with mode 0600 and leaves a broken file untouched", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-write-"));
  const file = join(dir, "new.yaml");
  await updateConfigFile(file, [{ path: ["debug"], value: true }]);
  assert.equal(readFileSync(file, "utf8"), "debug: true\n");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  writeFileSync(file, 'a: "broken\n');
  await assert.rejects(updateConfigFile(file, [{ path: ["debug"], value: true }]), { name: "YamlError" });
  assert.equal(readFileSync(file, "utf8"), 'a: "broken\n');
  await updateConfigFile(join(dir, "new.yaml"), []);
});

test("updateConfigFile() quotes keys that would not read back as the same string (null, 1e3, 0x1f, true, ~)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-write-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, "headers:\n  x-plain: a\n");
  const keys = ["null", "1e3", "0x1f", "true", "~", "No", "12", "x-plain"];
  const headers = Object.fromEntries(keys.map((k, i) => [k, `v${i}`]));
  await updateConfigFile(file, [
    { path: ["headers"], value: headers },
    { path: ["1e3"], value: { "0x1f": true } },
  ]);
  const text = readFileSync(file, "utf8");
  const read = parseYaml(text).value as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(read.headers).sort(), [...keys].sort(), text);
  assert.deepEqual(read.headers, headers);
  assert.deepEqual(read["1e3"], { "0x1f": true });
  assert.match(text, /^ {2}x-plain: /m, "a key that is already a string stays plain");
});
