/** A provider runtime over a fake app: fake clock, captured log lines, a sleep that moves the clock. */
import { makeConfig, providerKey, type Config, type ProviderKey } from "../../src/config/schema.js";
import { createLogger } from "../../src/log/log.js";
import assert from "node:assert/strict";
import {
  createProviderRuntime,
  type ConductError,
  type ConductResult,
  type ProviderRuntime,
} from "../../src/providers/runtime.js";
import type { AttemptOutcome, Credential } from "../../src/providers/types.js";
import type { App } from "../../src/server/handler.js";
import { PROVIDER_KINDS } from "../../src/providers/kinds.js";

/** A fake clock like test/support/server.ts's, without importing the whole server graph. */
export function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** A runtime under test plus the handles tests drive. */
export interface RuntimeFixture {
  readonly rt: ProviderRuntime;
  readonly clock: ReturnType<typeof fakeClock>;
  readonly logs: string[];
  /** Every wait conduct() asked for, in ms. */
  readonly sleeps: number[];
  setConfig(overrides: Partial<Config>): void;
}

/** Builds a runtime for a config; sleeping advances the fake clock at once. */
export function makeRuntime(overrides: Partial<Config> = {}): RuntimeFixture {
  const clock = fakeClock();
  const logs: string[] = [];
  const sleeps: number[] = [];
  let config = makeConfig(overrides);
  const app = {
    clock,
    log: createLogger({ level: "debug", sink: (l) => logs.push(l) }),
    config: () => config,
    kinds: PROVIDER_KINDS,
  } as unknown as App;
  const rt = createProviderRuntime(() => app, {
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  rt.update(config);
  return {
    rt,
    clock,
    logs,
    sleeps,
    setConfig(next) {
      config = makeConfig(next);
      rt.update(config);
    },
  };
}

/** Claude keys named by their key text, with a fake root. */
export function claudeKeys(...keys: Array<string | [string, Partial<ProviderKey>]>): ProviderKey[] {
  return keys.map((k) =>
    typeof k === "string"
      ? providerKey(k, { baseUrl: "http://127.0.0.1:9" })
      : providerKey(k[0], { baseUrl: "http://127.0.0.1:9", ...k[1] }),
  );
}

/** A successful attempt. */
export const OK: AttemptOutcome = { kind: "done" };

/** A failed attempt. */
export function failed(status: number, body = "{}", headers: Record<string, string> = {}): AttemptOutcome {
  return { kind: "failed", status, body, headers };
}

/** An attempt function answering per credential key from a script (last entry repeats), recording calls. */
export function scripted(script: Record<string, Array<AttemptOutcome | Error>>) {
  const calls: Array<{ key: string; model: string }> = [];
  const used = new Map<string, number>();
  const attempt = async (cred: Credential, model: string): Promise<AttemptOutcome> => {
    calls.push({ key: cred.apiKey, model });
    const list = script[cred.apiKey] ?? [OK];
    const n = used.get(cred.apiKey) ?? 0;
    used.set(cred.apiKey, n + 1);
    const next = list[Math.min(n, list.length - 1)];
    if (next instanceof Error) throw next;
    return next;
  };
  return { attempt, calls, keys: () => calls.map((c) => c.key) };
}

/** Asserts a conduct() result is an error and returns it typed. */
export function asError(r: ConductResult): ConductError {
  assert.notEqual(r.kind, "done");
  return r as ConductError;
}
