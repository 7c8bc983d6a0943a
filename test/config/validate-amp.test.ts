import { test } from "node:test";
import assert from "node:assert/strict";

import { load, problems } from "../support/config.js";
import { DEFAULT_AMP } from "../../src/config/schema.js";

test("parseConfig() reads the ampcode block (CFG-1..CFG-11)", () => {
  const { config, warnings } = load(`
ampcode:
  upstream-url: " https://amp.example "
  upstream-api-key: amp-key
  upstream-api-keys:
    - { upstream-api-key: team-a, api-keys: [c1, " ", c2] }
    - { upstream-api-key: "", api-keys: [c3] }
  restrict-management-to-localhost: true
  force-model-mappings: true
  model-fallback: deny
  upstream-timeout: 90s
  model-mappings:
    - { from: claude-opus-4-5, to: claude-sonnet-4-5 }
    - { from: "^gpt-5(\\\\.\\\\d+)?$", to: gemini-2.5-pro, regex: true }
    - { from: "(?P<n>x)", to: y, regex: true }
    - { from: "", to: y }
`);
  assert.deepEqual(config.ampcode, {
    upstreamUrl: "https://amp.example",
    upstreamApiKey: "amp-key",
    upstreamApiKeys: [{ upstreamApiKey: "team-a", apiKeys: ["c1", "c2"] }],
    restrictManagementToLocalhost: true,
    forceModelMappings: true,
    modelFallback: "deny",
    upstreamTimeoutMs: 90_000,
    modelMappings: [
      { from: "claude-opus-4-5", to: "claude-sonnet-4-5", regex: false },
      { from: "^gpt-5(\\.\\d+)?$", to: "gemini-2.5-pro", regex: true },
    ],
    rivetToken: DEFAULT_AMP.rivetToken,
    rivetNamespace: "default",
    tunnelIdleTimeoutMs: DEFAULT_AMP.tunnelIdleTimeoutMs,
    tunnelHandshakeTimeoutMs: DEFAULT_AMP.tunnelHandshakeTimeoutMs,
  });
  assert.equal(warnings.length, 4);
  assert.match(
    warnings[2],
    /^ampcode\.model-mappings\[2\]\.from at line 15, column 15: invalid regular expression skipped/,
  );
});

test("CFG-1 an explicit empty ampcode.upstream-url disables the upstream; an invalid one warns naming the key (CFG-9)", () => {
  assert.equal(load('ampcode: { upstream-url: "" }').config.ampcode.upstreamUrl, "");
  assert.equal(load("ampcode:\n  upstream-url:\n").config.ampcode.upstreamUrl, "");
  const { config, warnings } = load("ampcode: { upstream-url: ampcode.com }");
  assert.equal(config.ampcode.upstreamUrl, "ampcode.com");
  assert.deepEqual(warnings, [
    "ampcode.upstream-url at line 1, column 26: expected an http:// or https:// URL with a host: the Amp upstream stays disabled",
  ]);
});

test("CFG-6 prioritize-model-mappings is read as force-model-mappings when that is absent, with a deprecation warning", () => {
  const old = load("ampcode: { prioritize-model-mappings: true }");
  assert.equal(old.config.ampcode.forceModelMappings, true);
  assert.deepEqual(old.warnings, [
    "ampcode.prioritize-model-mappings at line 1, column 39: deprecated: renamed force-model-mappings",
  ]);
  assert.equal(
    load("ampcode: { prioritize-model-mappings: true, force-model-mappings: false }").config.ampcode.forceModelMappings,
    false,
  );
});

test("CFG-10 legacy amp-* keys apply only where the ampcode block leaves a value empty, with one deprecation warning", () => {
  const legacy = `
amp-upstream-url: https://legacy.example
amp-upstream-api-key: legacy-key
amp-restrict-management-to-localhost: true
amp-model-mappings: [{ from: a, to: b }]
`;
  const only = load(legacy);
  assert.deepEqual(
    [
      only.config.ampcode.upstreamUrl,
      only.config.ampcode.upstreamApiKey,
      only.config.ampcode.restrictManagementToLocalhost,
      only.config.ampcode.modelMappings,
    ],
    ["https://legacy.example", "legacy-key", true, [{ from: "a", to: "b", regex: false }]],
  );
  assert.equal(only.warnings.length, 1);
  assert.match(
    only.warnings[0],
    /^amp-upstream-url at line 2.*deprecated: move amp-upstream-url, amp-upstream-api-key, amp-restrict-management-to-localhost, amp-model-mappings into the ampcode block/,
  );
  const both = load(
    legacy +
      "ampcode: { upstream-url: https://new.example, restrict-management-to-localhost: false, model-mappings: [{ from: c, to: d }] }",
  );
  assert.deepEqual(
    [
      both.config.ampcode.upstreamUrl,
      both.config.ampcode.upstreamApiKey,
      both.config.ampcode.restrictManagementToLocalhost,
      both.config.ampcode.modelMappings.map((m) => m.from),
    ],
    ["https://new.example", "legacy-key", false, ["c"]],
  );
});

test("CFG-8 and CFG-11 a wrong type, an unknown model-fallback or a bad upstream-timeout makes the file invalid, naming the key", () => {
  assert.deepEqual(
    problems('ampcode:\n  restrict-management-to-localhost: "yes"\n  model-fallback: local\n  upstream-timeout: 5\n'),
    [
      "ampcode.restrict-management-to-localhost at line 2, column 37: expected true or false",
      'ampcode.model-fallback at line 3, column 19: expected "upstream" or "deny", got "local"',
      'ampcode.upstream-timeout at line 4, column 21: expected a duration such as "30s", "10m" or "2h30m", got 5',
    ],
  );
});

test("issue 11: ampcode.rivet-token, rivet-namespace and the tunnel timeouts are read and checked", () => {
  const { config } = load(
    'ampcode:\n  rivet-token: pk_mine\n  rivet-namespace: ""\n  tunnel-idle-timeout: 0\n  tunnel-handshake-timeout: 5s\n',
  );
  assert.deepEqual(
    [
      config.ampcode.rivetToken,
      config.ampcode.rivetNamespace,
      config.ampcode.tunnelIdleTimeoutMs,
      config.ampcode.tunnelHandshakeTimeoutMs,
    ],
    ["pk_mine", "", 0, 5000],
  );
  assert.equal(load("ampcode:\n  rivet-token:\n").config.ampcode.rivetToken, "", "an explicit empty value adds none");
  assert.equal(
    load("ampcode: {}").config.ampcode.rivetToken,
    "pk_9tm4qz3zrMerdZXTlBRLRsmJIzSQIPH24meKBqiL6vVpscTvc4w1YPiBgymXf9Az",
  );
  assert.match(problems('ampcode:\n  rivet-token: "a&b=c"\n').join(), /ampcode\.rivet-token.*expected letters, digits/);
  assert.match(
    problems("ampcode:\n  tunnel-handshake-timeout: 0\n").join(),
    /ampcode\.tunnel-handshake-timeout.*above zero/,
  );
});
