import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYaml, YamlError, type YamlOptions } from "../../src/config/yaml.ts";

const value = (text: string) => parseYaml(text).value;

function assertYamlError(text: string, message: RegExp, line: number, column: number, options?: YamlOptions): void {
  assert.throws(
    () => parseYaml(text, options),
    (err: unknown) => {
      assert.ok(err instanceof YamlError, `expected a YamlError, got ${String(err)}`);
      assert.match(err.message, message);
      assert.deepEqual([err.line, err.column], [line, column], err.message);
      assert.ok(err.message.endsWith(` at line ${line}, column ${column}`), err.message);
      return true;
    },
  );
}

const CONFIG = `# cliproxy
port: 8317
api-keys:
  - "sk-one"
  - sk-two
ampcode:
  upstream-url: https://ampcode.com # default
  model-mappings:
    - from: claude-opus
      to: claude-sonnet

    - from: "^gpt-5$"
      to: gemini
      regex: true
notes: |
  first
  second
# trailing comment
`;

test("parseYaml() reads block mappings and sequences into plain objects and arrays", () => {
  assert.deepEqual(value(CONFIG), {
    port: 8317,
    "api-keys": ["sk-one", "sk-two"],
    ampcode: {
      "upstream-url": "https://ampcode.com",
      "model-mappings": [
        { from: "claude-opus", to: "claude-sonnet" },
        { from: "^gpt-5$", to: "gemini", regex: true },
      ],
    },
    notes: "first\nsecond\n",
  });
  assert.deepEqual(value("a:\n- 1\n- - 2\n  - 3\n-\nb:\n"), { a: [1, [2, 3], null], b: null });
  assert.deepEqual(value("- a: 1\n  b: 2\n- c"), [{ a: 1, b: 2 }, "c"]);
});

test("parseYaml() resolves plain scalars by the YAML 1.2 core schema, so yes/no/on/off stay strings", () => {
  const cases: [string, unknown][] = [
    ["yes", "yes"],
    ["no", "no"],
    ["on", "on"],
    ["off", "off"],
    ["y", "y"],
    ["true", true],
    ["True", true],
    ["TRUE", true],
    ["false", false],
    ["FALSE", false],
    ["tRUE", "tRUE"],
    ["~", null],
    ["null", null],
    ["Null", null],
    ["NULL", null],
    ["", null],
    ["nULL", "nULL"],
    ["0x1F", 31],
    ["0o17", 15],
    ["007", 7],
    ["+12", 12],
    ["-3", -3],
    ["-0", -0],
    ["0b101", "0b101"],
    ["1_000", "1_000"],
    ["1.5", 1.5],
    [".5", 0.5],
    ["1.", 1],
    ["1e3", 1000],
    ["-2.5E-1", -0.25],
    [".inf", Infinity],
    ["-.Inf", -Infinity],
    ["+.INF", Infinity],
    [".nan", NaN],
    [".NaN", NaN],
    ["NaN", "NaN"],
    ["0x", "0x"],
    ["12abc", "12abc"],
    ["a:b", "a:b"],
    ["http://h:80/a", "http://h:80/a"],
  ];
  for (const [text, expected] of cases) assert.deepStrictEqual(value(`v: ${text}`), { v: expected }, text);
});

test("parseYaml() keeps quoted scalars as strings and decodes double-quoted escapes", () => {
  assert.deepEqual(value(`a: "true"\nb: '0x1F'\nc: 'it''s'\nd: ""\ne: '# not a comment'`), {
    a: "true",
    b: "0x1F",
    c: "it's",
    d: "",
    e: "# not a comment",
  });
  assert.equal(
    value(String.raw`"\0\a\b\t\	\n\v\f\r\e\ \"\/\\\N\_\L\P"`),
    '\0\x07\b\t\t\n\v\f\r\x1b "/\\\x85\xa0\u2028\u2029',
  );
  assert.equal(value(String.raw`"\x41\u00e9\U0001F600\uD83D\uDE00"`), "Aé😀😀");
});

test("parseYaml() folds multi-line plain and quoted scalars", () => {
  assert.deepEqual(value("a: one\n  two\n\n  three\nb: x"), { a: "one two\nthree", b: "x" });
  assert.deepEqual(value("- a\n  - b"), ["a - b"]);
  assert.equal(value(`"one  \n  two\n\n  three"`), "one two\nthree");
  assert.equal(value(`"one \\\n  two"`), "one two");
  assert.equal(value(`"tab\\t\n  kept"`), "tab\t kept");
  assert.equal(value(`'a\n  ''b'''`), "a 'b'");
});

test("parseYaml() reads literal and folded block scalars with each chomping indicator", () => {
  const doc = (header: string) => value(`v: ${header}\n  one\n  two\n\n   more\n  three\n\n\nnext: 1`);
  assert.deepEqual(doc("|"), { v: "one\ntwo\n\n more\nthree\n", next: 1 });
  assert.deepEqual(doc("|-"), { v: "one\ntwo\n\n more\nthree", next: 1 });
  assert.deepEqual(doc("|+"), { v: "one\ntwo\n\n more\nthree\n\n\n", next: 1 });
  assert.deepEqual(doc(">"), { v: "one two\n\n more\nthree\n", next: 1 });
  assert.deepEqual(doc(">-"), { v: "one two\n\n more\nthree", next: 1 });
  assert.deepEqual(doc(">+ # comment"), { v: "one two\n\n more\nthree\n\n\n", next: 1 });
  assert.deepEqual(value("a: |\n\nb: |+\n\n\nc: >\n\n  x\n"), { a: "", b: "\n\n", c: "\nx\n" });
  assert.deepEqual(value("a: |\n  no final break"), { a: "no final break\n" });
});

test("parseYaml() honours a block scalar's explicit indentation indicator", () => {
  assert.deepEqual(value("a: |2\n    indented\n  base\n"), { a: "  indented\nbase\n" });
  assert.deepEqual(value("a: >1-\n  x\n"), { a: " x" });
  assert.equal(value("--- |1\n  top\n"), " top\n");
  assert.deepEqual(value("- |2+\n   a\n"), [" a\n"]);
});

test("parseYaml() reads flow collections, including keys without values and line breaks inside them", () => {
  assert.deepEqual(value("a: [1, 'two', \"three\", [], {}, ~,]\nb: {x: 1, y: [a, b], 'z': {w: }}"), {
    a: [1, "two", "three", [], {}, null],
    b: { x: 1, y: ["a", "b"], z: { w: null } },
  });
  assert.deepEqual(value("endpoints: { authorize-url, token-url,\n             redirect-uri }"), {
    endpoints: { "authorize-url": null, "token-url": null, "redirect-uri": null },
  });
  assert.deepEqual(value('[a: 1, "b":2, c]'), [{ a: 1 }, { b: 2 }, "c"]);
  assert.deepEqual(value("{a:1, url: http://h:80/}"), { "a:1": null, url: "http://h:80/" });
  assert.deepEqual(value("k: [ # comment\n  one,\n  two\n]"), { k: ["one", "two"] });
});

test("parseYaml() ignores comments but keeps a # that does not follow whitespace", () => {
  assert.deepEqual(value("# head\na: b#c # tail\n  # indented\nd: 'e' # f\n#end"), { a: "b#c", d: "e" });
});

test("parseYaml() shares an anchored value with its aliases, anchors on keys included", () => {
  const doc = value("base: &b {x: 1}\ncopy: *b\n&k key: *k\nlist: &l\n  - 1\nagain: *l") as Record<string, unknown>;
  assert.deepEqual(doc, { base: { x: 1 }, copy: { x: 1 }, key: "key", list: [1], again: [1] });
  assert.equal(doc.copy, doc.base);
  assert.deepEqual(value("a: &x 1\nb: &x 2\nc: *x"), { a: 1, b: 2, c: 2 });
});

test("parseYaml() merges '<<' mappings without overriding explicit keys", () => {
  const text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  x: 0\n  <<: [*a, *b]\nd:\n  <<: *b\n  z: 3\n'<<': plain";
  assert.deepEqual(value(text), {
    a: { x: 1, y: 1 },
    b: { y: 2, z: 2 },
    c: { x: 0, y: 1, z: 2 },
    d: { y: 2, z: 3 },
    "<<": "plain",
  });
});

test("parseYaml() turns non-string scalar keys into their string form", () => {
  assert.deepEqual(value("1: a\ntrue: b\n~: c\n0x10: d\n1.50: e\n'x': f"), {
    "1": "a",
    true: "b",
    "": "c",
    "16": "d",
    "1.5": "e",
    x: "f",
  });
});

test("parseYaml() defines a '__proto__' key as an own property and leaves the prototype alone", () => {
  const doc = value("__proto__: {polluted: true}\nb: &p {__proto__: 1}\nc: {<<: *p}") as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(doc), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(doc, "__proto__")?.value, { polluted: true });
  assert.equal(Object.getOwnPropertyDescriptor(doc.c, "__proto__")?.value, 1);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("parseYaml() returns null for an empty or comment-only document", () => {
  for (const text of ["", "\n\n", "# only a comment\n", "---\n", "--- # c\n...\n", "\uFEFF"]) {
    const doc = parseYaml(text);
    assert.equal(doc.value, null, JSON.stringify(text));
    assert.equal(doc.pos([]), undefined);
  }
});

test("parseYaml() accepts one document between '---' and '...' markers, after directives", () => {
  assert.deepEqual(value("# c\n---\na: 1\n...\n# after\n"), { a: 1 });
  assert.equal(value("--- text\n"), "text");
  assert.deepEqual(value("%YAML 1.2\n---\n- x"), ["x"]);
  assert.deepEqual(value("a: ---\nb: ...x"), { a: "---", b: "...x" });
});

test("parseYaml() reads CRLF line breaks and a BOM with the same values and positions as LF", () => {
  const lf = parseYaml(CONFIG);
  const crlf = parseYaml("\uFEFF" + CONFIG.replace(/\n/g, "\r\n"));
  assert.deepEqual(crlf.value, lf.value);
  const path = ["ampcode", "model-mappings", 1, "regex"];
  assert.deepEqual(crlf.pos(path), lf.pos(path));
  assert.deepEqual(crlf.pos(path), { line: 14, column: 14 });
  assert.equal((crlf.value as { notes: string }).notes, "first\nsecond\n");
});

test("parseYaml() reports where values and their keys start", () => {
  const doc = parseYaml(CONFIG);
  assert.deepEqual(doc.pos([]), { line: 2, column: 1 });
  assert.deepEqual(doc.pos(["port"]), { line: 2, column: 7 });
  assert.deepEqual(doc.keyPos(["port"]), { line: 2, column: 1 });
  assert.deepEqual(doc.pos(["api-keys"]), { line: 4, column: 3 });
  assert.deepEqual(doc.pos(["api-keys", 1]), { line: 5, column: 5 });
  assert.equal(doc.keyPos(["api-keys", 1]), undefined);
  assert.deepEqual(doc.pos(["ampcode", "model-mappings", 1, "from"]), { line: 12, column: 13 });
  assert.deepEqual(doc.keyPos(["ampcode", "model-mappings", 1, "from"]), { line: 12, column: 7 });
  assert.deepEqual(doc.pos(["ampcode", "model-mappings", "0"]), { line: 9, column: 7 });
  assert.deepEqual(doc.pos(["notes"]), { line: 15, column: 8 });
  const flow = parseYaml("k: [a, {b: c}]\nempty:\n");
  assert.deepEqual(flow.pos(["k", 1, "b"]), { line: 1, column: 12 });
  assert.deepEqual(flow.keyPos(["k", 1, "b"]), { line: 1, column: 9 });
  assert.deepEqual(flow.pos(["empty"]), { line: 2, column: 7 });
});

test("parseYaml() reports the lines a node spans, with its key line and without trailing comments", () => {
  const doc = parseYaml(CONFIG);
  assert.deepEqual(doc.span([]), { start: 2, end: 17 });
  assert.deepEqual(doc.span(["port"]), { start: 2, end: 2 });
  assert.deepEqual(doc.span(["api-keys"]), { start: 3, end: 5 });
  assert.deepEqual(doc.span(["ampcode"]), { start: 6, end: 14 });
  assert.deepEqual(doc.span(["ampcode", "model-mappings", 0]), { start: 9, end: 10 });
  assert.deepEqual(doc.span(["ampcode", "model-mappings", 1]), { start: 12, end: 14 });
  assert.deepEqual(doc.span(["notes"]), { start: 15, end: 17 });
  const nested = parseYaml('- \n  a: 1\n- "multi\n  line"\n');
  assert.deepEqual(nested.span([0]), { start: 1, end: 2 });
  assert.deepEqual(nested.span([1]), { start: 3, end: 4 });
});

test("parseYaml() reports positions through aliases and merged keys", () => {
  const doc = parseYaml("base: &b\n  x: 1\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n");
  assert.deepEqual(doc.pos(["use"]), { line: 3, column: 6 });
  assert.deepEqual(doc.span(["use"]), { start: 3, end: 3 });
  assert.deepEqual(doc.pos(["use", "x"]), { line: 2, column: 6 });
  assert.deepEqual(doc.keyPos(["merged", "x"]), { line: 2, column: 3 });
  assert.deepEqual(doc.keyPos(["merged", "y"]), { line: 6, column: 3 });
});

test("parseYaml() returns undefined positions for paths that do not exist", () => {
  const doc = parseYaml(CONFIG);
  for (const path of [["nope"], ["port", "x"], ["api-keys", 9], ["api-keys", "x"], ["api-keys", -1], ["ampcode", 0]]) {
    assert.equal(doc.pos(path), undefined, JSON.stringify(path));
    assert.equal(doc.keyPos(path), undefined);
    assert.equal(doc.span(path), undefined);
  }
});

test("parseYaml() rejects a tab used for indentation with its line and column", () => {
  assertYamlError("a:\n\tb: 1\n", /^Tab character used for indentation/, 2, 1);
  assertYamlError("a:\n  b: 1\n  \t- c\n", /^Tab character used for indentation/, 3, 3);
  assertYamlError("-\tk: v\n", /^Tab character used for indentation/, 1, 2);
  assertYamlError("a: |\n  x\n\ty\n", /^Tab character used for indentation/, 3, 1);
  assertYamlError("a: one\n\t\n  two\n", /^Tab character used for indentation/, 2, 1);
  assert.deepEqual(value("a:\tb\nc: [1,\n \t2]\n\t# comment\n"), { a: "b", c: [1, 2] });
});

test("parseYaml() rejects an unclosed quote at the opening quote", () => {
  assertYamlError('a: "abc\n', /^Missing closing double quote/, 1, 4);
  assertYamlError("a:\n  - 'abc\nb: 1\n", /^Missing closing single quote/, 2, 5);
  assertYamlError('a: "x\n---\n"', /^Missing closing double quote/, 1, 4);
});

test("parseYaml() rejects a duplicate key at its second occurrence", () => {
  assertYamlError("host: a\nport: 1\nx: 2\nport: 2\n", /^Duplicate key "port"/, 4, 1);
  assertYamlError("a: {b: 1, 'b': 2}", /^Duplicate key "b"/, 1, 11);
  assertYamlError("1: a\n'1': b", /^Duplicate key "1"/, 2, 1);
});

test("parseYaml() rejects bad indentation", () => {
  assertYamlError("a:\n    b: 1\n  c: 2\n", /^Bad indentation of a mapping entry/, 3, 3);
  assertYamlError("a: 1\n  b: 2\n", /^Bad indentation of a mapping entry/, 2, 3);
  assertYamlError("- - [a]\n   - b\n", /^Bad indentation of a sequence entry/, 2, 4);
  assertYamlError("  a: 1\nb: 2\n", /^Unexpected content after the top-level node/, 2, 1);
  assertYamlError("a: 1\nb\n", /^Missing ":" after a mapping key/, 2, 1);
  assertYamlError("k: [a,\nb]\n", /^Insufficient indentation in a flow collection/, 2, 1);
});

test("parseYaml() rejects an unterminated flow collection at its opening bracket", () => {
  assertYamlError("a: [1, 2\n", /^Unclosed flow sequence/, 1, 4);
  assertYamlError("a:\n  b: {x: 1,\n    y: 2\n", /^Unclosed flow mapping/, 2, 6);
  assertYamlError("a: ['1' 2]\n", /^Expected "," or "\]" in a flow sequence/, 1, 9);
  assertYamlError("a: [1]]\n", /^Unexpected text after a value/, 1, 7);
  assertYamlError("[a,\n---\n]", /^Unclosed flow sequence/, 1, 1);
});

test("parseYaml() rejects an alias to an unknown anchor or to a node that contains it", () => {
  assertYamlError("a: *nope\n", /^Alias "\*nope" refers to an unknown anchor/, 1, 4);
  assertYamlError("a: *b\nb: &b 1\n", /^Alias "\*b" refers to an unknown anchor/, 1, 4);
  assertYamlError("a: &a [1, *a]\n", /^Alias "\*a" refers to a node that contains it/, 1, 11);
});

test("parseYaml() bounds alias expansion, so a billion laughs fails fast", () => {
  const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let k = 1; k < 10; k++) {
    const [prev, name] = [String.fromCharCode(96 + k), String.fromCharCode(97 + k)];
    laughs.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
  }
  assertYamlError(laughs.join("\n"), /^Aliases expand to more than 100000 nodes \(maxAliasNodes\)/, 5, 36);
  assertYamlError(laughs.slice(0, 3).join("\n"), /^Aliases expand to more than 50 nodes/, 2, 24, { maxAliasNodes: 50 });
  assert.equal(
    (parseYaml(laughs.slice(0, 3).join("\n"), { maxAliasNodes: 1220 }).value as { c: unknown[] }).c.length,
    10,
  );
});

test("parseYaml() rejects a second document", () => {
  assertYamlError("a: 1\n---\nb: 2\n", /^A second document is not supported/, 2, 1);
  assertYamlError("a: 1\n...\nb: 2\n", /^A second document is not supported/, 3, 1);
  assertYamlError("%YAML 1.2\na: 1\n", /^Expected "---" after directives/, 2, 1);
});

test("parseYaml() rejects a nested mapping or a block sequence on its key's line", () => {
  assertYamlError("a: b: c\n", /^A nested mapping must start on a new line/, 1, 4);
  assertYamlError("a: - b\n", /^A block sequence must start on a new line/, 1, 4);
  assertYamlError("--- a: b\n", /^A nested mapping must start on a new line/, 1, 5);
});

test("parseYaml() rejects keys that are not scalars", () => {
  assertYamlError("[a, b]: c\n", /^A mapping key must be a scalar/, 1, 1);
  assertYamlError("x: 1\n{a: 1}: c\n", /^A mapping key must be a scalar/, 2, 1);
  assertYamlError("a: &a x\n*a : c\n", /^An alias cannot be used as a mapping key/, 2, 1);
  assertYamlError("{[a]: b}", /^A mapping key must be a scalar/, 1, 2);
  assertYamlError("['a\n  b': c]", /^A mapping key must be on a single line/, 1, 2);
  assertYamlError("x: 1\n- a\n", /^A sequence entry is not allowed in a mapping/, 2, 1);
});

test("parseYaml() names the unsupported and malformed constructs it rejects", () => {
  assertYamlError("a: !!str 1\n", /^Tags are not supported/, 1, 4);
  assertYamlError("a: [1, !x 2]\n", /^Tags are not supported/, 1, 8);
  assertYamlError("? a\n: b\n", /^Explicit keys \("\? "\) are not supported/, 1, 1);
  assertYamlError("{? a: b}", /^Explicit keys/, 1, 2);
  assertYamlError(": a\n", /^Missing mapping key before ":"/, 1, 1);
  assertYamlError('a: "\\q"\n', /^Invalid escape sequence "\\q"/, 1, 5);
  assertYamlError('a: "\\x4"\n', /^Invalid escape sequence "\\x4""/, 1, 5);
  assertYamlError('a: "\\U00110000"\n', /^Invalid escape sequence/, 1, 5);
  assertYamlError("a: |x\n", /^Invalid block scalar header/, 1, 5);
  assertYamlError("a: [|\n  x]\n", /^Block scalars are not allowed inside flow collections/, 1, 5);
  assertYamlError("a: |\n    \n  x\n", /^A leading blank line is more indented/, 3, 3);
  assertYamlError("a: &x &y 1\n", /^A node cannot have two anchors/, 1, 7);
  assertYamlError("a: &x *y\n", /^An alias cannot have an anchor/, 1, 7);
  assertYamlError("a: &x[1]\n", /^An anchor must be followed by a space/, 1, 6);
  assertYamlError("a: & x\n", /^Missing anchor name/, 1, 4);
  assertYamlError("a: @x\n", /^Unexpected character "@"/, 1, 4);
  assertYamlError("a: 'x'#c\n", /^A comment needs whitespace before "#"/, 1, 7);
  assertYamlError("a: [x]#c\n", /^A comment needs whitespace before "#"/, 1, 7);
  assertYamlError('a: "x" y\n', /^Unexpected text after a value/, 1, 8);
  assertYamlError("a: [b, c]: d\n", /^A nested mapping must start|A mapping key must be a scalar/, 1, 4);
  assertYamlError("a: {<<: 1}\n", /^A merge key "<<" needs a mapping or a sequence of mappings/, 1, 9);
});

test("parseYaml() rejects nesting deeper than 1000 levels instead of overflowing the stack", () => {
  assertYamlError("[".repeat(5000), /^Nesting is deeper than 1000 levels/, 1, 1001);
  assertYamlError("- ".repeat(2000) + "x", /^Nesting is deeper than 1000 levels/, 1, 2001);
  assert.equal(JSON.stringify(value("[".repeat(500) + "]".repeat(500))).length, 1000);
});

test("parseYaml() throws only YamlError, whatever prefix of a config it is given", () => {
  const text = `${CONFIG}anchors: &a {k: "v\\n", l: 'w'}\nuse: [*a, {<<: *a}]\nfold: >-\n  x\n`;
  for (let end = 0; end <= text.length; end++) {
    try {
      parseYaml(text.slice(0, end));
    } catch (err) {
      assert.ok(err instanceof YamlError, `prefix ${end}: ${String(err)}`);
    }
  }
});

test("YamlError is a SyntaxError whose message ends with its line and column", () => {
  const err = new YamlError('Duplicate key "port"', 4, 1);
  assert.ok(err instanceof SyntaxError);
  assert.equal(err.name, "YamlError");
  assert.equal(err.message, 'Duplicate key "port" at line 4, column 1');
  assert.equal(new YamlError(err.message, 4, 1).message, err.message);
});
