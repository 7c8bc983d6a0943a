import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_AMP, makeConfig, type AmpConfig } from "../../src/config/schema.js";
import { decide, deniedMessage, explainDecision, logDecision, type ModelLookup } from "../../src/amp/decide.js";
import { createLogger } from "../../src/log/log.js";
import { ampUpstream } from "../../src/providers/resolve.js";
import { parseModelName } from "../../src/translate/model-suffix.js";

const table: Record<string, string[]> = {
  "claude-sonnet-4-5": ["claude"],
  "gpt-5.2": ["openai-compat-x"],
  "gemini-2.5-pro": ["gemini"],
};
const lookup: ModelLookup = {
  resolve: (m) => {
    const providers = table[parseModelName(m).base];
    return providers ? { ...ampUpstream(m), route: "local", providers } : undefined;
  },
  closest: (m) => (m.startsWith("claude") ? "claude-sonnet-4-5" : undefined),
};
const cfg = (amp: Partial<AmpConfig> = {}) =>
  makeConfig({ ampcode: { ...DEFAULT_AMP, upstreamUrl: "http://a", ...amp } });

test("decide() serves a locally served model locally, keeping thinking only for the Claude provider", () => {
  const d = decide("claude-sonnet-4-5", cfg(), lookup);
  assert.equal(d.routeType, "LOCAL_PROVIDER");
  assert.equal(d.provider, "claude");
  assert.equal(d.resolvedModel, "claude-sonnet-4-5");
  assert.equal(d.suppressThinking, false);
  assert.equal(decide("gpt-5.2(high)", cfg(), lookup).suppressThinking, true);
  assert.equal(decide("gpt-5.2(high)", cfg(), lookup).resolvedModel, "gpt-5.2(high)");
});

test("decide() lets force-model-mappings flip local versus mapping when both apply", () => {
  const mappings = [{ from: "claude-sonnet-4-5", to: "gpt-5.2", regex: false }];
  const off = decide("claude-sonnet-4-5", cfg({ modelMappings: mappings }), lookup);
  assert.equal(off.routeType, "LOCAL_PROVIDER");
  assert.match(off.reason, /not used because force-model-mappings is false/);
  const on = decide("claude-sonnet-4-5", cfg({ modelMappings: mappings, forceModelMappings: true }), lookup);
  assert.equal(on.routeType, "MODEL_MAPPING");
  assert.equal(on.resolvedModel, "gpt-5.2");
  assert.equal(on.provider, "openai-compat-x");
  assert.equal(on.suppressThinking, true);
  assert.match(on.reason, /force-model-mappings is true, so it wins over local provider "claude"/);
});

test("decide() maps an unserved model and falls back to local when forced with no mapping", () => {
  const d = decide(
    "Claude-Opus-9",
    cfg({ modelMappings: [{ from: "claude-opus-9", to: "claude-sonnet-4-5", regex: false }] }),
    lookup,
  );
  assert.equal(d.routeType, "MODEL_MAPPING");
  assert.equal(d.reason, 'mapping Claude-Opus-9 -> claude-sonnet-4-5; no local provider serves "Claude-Opus-9"');
  const r = decide("gpt-7(low)", cfg({ modelMappings: [{ from: "^gpt-7", to: "gpt-5.2", regex: true }] }), lookup);
  assert.equal(r.resolvedModel, "gpt-5.2(low)");
  assert.match(r.reason, /rule \/\^gpt-7\//);
  assert.equal(decide("gemini-2.5-pro", cfg({ forceModelMappings: true }), lookup).routeType, "LOCAL_PROVIDER");
});

test("decide() spends Amp credits for an unserved model, naming the fix and the dead mapping target", () => {
  const d = decide(
    "claude-opus-9",
    cfg({ modelMappings: [{ from: "claude-opus-9", to: "no-such-model", regex: false }] }),
    lookup,
  );
  assert.equal(d.routeType, "AMP_CREDITS");
  assert.equal(d.provider, "ampcode.com");
  assert.match(d.reason, /mapping target "no-such-model" has no local provider either/);
  assert.match(d.reason, /add ampcode\.model-mappings: \[\{from: "claude-opus-9", to: "claude-sonnet-4-5"\}\]/);
  assert.match(
    decide("x-1", cfg(), lookup).reason,
    /no ampcode.model-mappings rule matches; add .*to: "<local model>"/,
  );
});

test("decide() answers NO_PROVIDER without an upstream and FALLBACK_DENIED under model-fallback deny", () => {
  assert.equal(decide("claude-opus-9", cfg({ upstreamUrl: "" }), lookup).routeType, "NO_PROVIDER");
  const d = decide("claude-opus-9", cfg({ modelFallback: "deny" }), lookup);
  assert.equal(d.routeType, "FALLBACK_DENIED");
  assert.equal(d.provider, "none");
  assert.equal(
    deniedMessage(d),
    'model "claude-opus-9" is not served by any local provider and ampcode.model-fallback is deny; add ampcode.model-mappings: [{from: "claude-opus-9", to: "claude-sonnet-4-5"}]',
  );
  assert.deepEqual(Object.keys(explainDecision(d)), [
    "requested_model",
    "resolved_model",
    "route_type",
    "provider",
    "reason",
  ]);
});

test("logDecision() writes exactly one line per decision: info for local, warn otherwise", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", sink: (l) => lines.push(l) });
  const mapped = cfg({ modelMappings: [{ from: "claude-opus-9", to: "claude-sonnet-4-5", regex: false }] });
  for (const [model, c] of [
    ["claude-sonnet-4-5", cfg()],
    ["claude-opus-9", mapped],
    ["claude-opus-9", cfg()],
    ["claude-opus-9", cfg({ upstreamUrl: "" })],
    ["claude-opus-9", cfg({ modelFallback: "deny" })],
  ] as const) {
    logDecision(log, decide(model, c, lookup), "/p");
  }
  assert.equal(lines.length, 5);
  assert.match(
    lines[0],
    / INFO amp using local provider for model: claude-sonnet-4-5 component=amp-routing route_type=LOCAL_PROVIDER requested_model=claude-sonnet-4-5 resolved_model=claude-sonnet-4-5 provider=claude reason=.* path=\/p cost=free source=local_oauth/,
  );
  assert.match(
    lines[1],
    / INFO amp model mapping: request claude-opus-9 -> claude-sonnet-4-5 .*route_type=MODEL_MAPPING .*mapping="claude-opus-9 -> claude-sonnet-4-5"/,
  );
  assert.match(
    lines[2],
    / WARN forwarding to ampcode.com \(uses amp credits\) - model_id: claude-opus-9 .*route_type=AMP_CREDITS .*provider=ampcode.com .*cost=amp_credits source=ampcode.com model_id=claude-opus-9/,
  );
  assert.match(
    lines[3],
    / WARN no provider available for model_id: claude-opus-9 .*route_type=NO_PROVIDER .*cost=none source=error/,
  );
  assert.match(lines[4], / WARN amp model fallback denied .*route_type=FALLBACK_DENIED .*reason=/);
});
