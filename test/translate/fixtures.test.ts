import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "../../src/sse/read.ts";
import { formatEvent } from "../../src/sse/write.ts";
import { createStreamTranslator, type Format } from "../../src/translate/hub.ts";
import { fromSse, loadFixtures, mask, runFixture, toSse, type FixtureEvent } from "./fixture-support.ts";

for (const { file, fx } of loadFixtures()) {
  test(`${fx.scenario} (${file}) gives exactly the expected output`, () => {
    assert.deepEqual(runFixture(fx), fx.expected);
  });
  if (fx.kind !== "stream") continue;
  test(`${fx.scenario} (${file}) gives the same client stream when the upstream bytes are split anywhere`, () => {
    const bytes = Buffer.from((fx.input as FixtureEvent[]).map((e) => formatEvent(toSse(e))).join(""));
    const opts = fx.opts ?? { requestModel: "client-model" };
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new SseParser();
      const t = createStreamTranslator(fx.from, fx.to as Format, opts);
      const events = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut)), ...parser.end()];
      const out = [...events.flatMap((e) => t.push(e)), ...t.end()];
      assert.deepEqual(mask(out.map(fromSse)), fx.expected, `cut at ${cut}`);
    }
  });
}
