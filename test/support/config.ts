/** Config-parsing helpers shared by the config tests. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { ConfigError, parseConfig, type LoadResult } from "../../src/config/load.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

/** The home directory the helpers parse with. */
export const TEST_HOME = "/home/tester";

/** Parses config text as config.yaml with a fixed home and an empty environment. */
export const load = (text: string): LoadResult =>
  parseConfig(text, { kinds: PROVIDER_KINDS, path: "config.yaml", homeDir: TEST_HOME, env: {} });

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

/**
 * Why a test reading ../shared (the project's specs and CLIProxyAPI's example configs, kept beside the checkout
 * and not in this repository) skips, or false when the path is there.
 */
export function sharedAbsent(path: string): string | false {
  if (existsSync(path)) return false;
  return `needs ${relative(join(import.meta.dirname, "..", ".."), path)}, the project's shared specs and CLIProxyAPI example configs kept beside the checkout (not in this repository); absent here`;
}
