/** Config-parsing helpers shared by the config tests. */
import assert from "node:assert/strict";
import { ConfigError, parseConfig, type LoadResult } from "../../src/config/load.js";

/** The home directory the helpers parse with. */
export const TEST_HOME = "/home/tester";

/** Parses config text as config.yaml with a fixed home and an empty environment. */
export const load = (text: string): LoadResult => parseConfig(text, { path: "config.yaml", homeDir: TEST_HOME, env: {} });

/** The problems a config text is refused with; fails the test when it loads. */
export function problems(text: string): readonly string[] {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}
