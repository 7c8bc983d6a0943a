/**
 * Claude prompt-cache breakpoints as CLIProxyAPI HEAD a7e3596b7 places them
 * (internal/runtime/executor/claude_executor_cloaking.go ensureCacheControl, enforceCacheControlLimit):
 * the last system block, the last cacheable user/assistant message, and the last tool only when there
 * is no system; never more than Anthropic's 4, dropping the least valuable first.
 */
import { isObject } from "../plain-object.js";

type J = Record<string, unknown>;
const EPHEMERAL = { type: "ephemeral" };
/** Anthropic's limit on cache_control blocks per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

const blocks = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** How many blocks of a Messages body carry cache_control (system, tools, message content). */
export function countCacheControls(body: J): number {
  let n = blocks(body.system).filter((b) => b.cache_control !== undefined).length;
  n += blocks(body.tools).filter((b) => b.cache_control !== undefined).length;
  for (const m of blocks(body.messages)) n += blocks(m.content).filter((b) => b.cache_control !== undefined).length;
  return n;
}

function hasCacheableSystem(body: J): boolean {
  if (typeof body.system === "string") return body.system.trim() !== "";
  return blocks(body.system).some((b) => typeof b.text === "string" && b.text.trim() !== "");
}

/** A section of a Messages body that can get a breakpoint. */
export type CacheSection = "system" | "tools" | "messages";

/** Adds HEAD's default breakpoints in place (each section only when it has none yet); returns the sections changed. */
export function ensureCacheControl(body: J): Set<CacheSection> {
  const changed = new Set<CacheSection>();
  const tools = blocks(body.tools);
  if (!hasCacheableSystem(body) && tools.length && !tools.some((t) => t.cache_control !== undefined)) {
    const last = [...tools].reverse().find((t) => t.defer_loading !== true);
    if (last) {
      last.cache_control = EPHEMERAL;
      changed.add("tools");
    }
  }
  if (typeof body.system === "string" && body.system.trim() !== "") {
    body.system = [{ type: "text", text: body.system, cache_control: EPHEMERAL }];
    changed.add("system");
  } else {
    const sys = blocks(body.system);
    if (sys.length && !sys.some((b) => b.cache_control !== undefined)) {
      sys[sys.length - 1].cache_control = EPHEMERAL;
      changed.add("system");
    }
  }
  const messages = blocks(body.messages);
  let at = -1;
  messages.forEach((m, i) => {
    if (m.role !== "user" && m.role !== "assistant") return;
    if (typeof m.content === "string") at = i;
    const c = blocks(m.content);
    if (
      c.length &&
      !(m.role === "assistant" && ["thinking", "redacted_thinking"].includes(String(c[c.length - 1].type)))
    )
      at = i;
  });
  if (at < 0) return changed;
  const m = messages[at];
  if (typeof m.content === "string") {
    m.content = [{ type: "text", text: m.content, cache_control: EPHEMERAL }];
    changed.add("messages");
  } else {
    const c = blocks(m.content);
    if (!c.some((b) => b.cache_control !== undefined)) {
      c[c.length - 1].cache_control = EPHEMERAL;
      changed.add("messages");
    }
  }
  return changed;
}

/**
 * A copy of the sections ensureCacheControl may touch, deep only as far as it writes (each block and message
 * object, and the arrays holding them): what it changes there leaves `body` alone. Strings and everything
 * below a block are shared, so this costs per block, not per byte as structuredClone did (#17).
 */
export function cacheSections(body: Readonly<J>): J {
  const copyBlocks = (v: unknown): unknown => (Array.isArray(v) ? v.map((b) => (isObject(b) ? { ...b } : b)) : v);
  const messages = Array.isArray(body.messages)
    ? body.messages.map((m) =>
        isObject(m) ? { ...m, ...("content" in m ? { content: copyBlocks(m.content) } : {}) } : m,
      )
    : body.messages;
  return { system: copyBlocks(body.system), tools: copyBlocks(body.tools), messages };
}

/** Removes breakpoints beyond `max` in place: earlier system, earlier tools, messages oldest first, then the last system and tool. */
export function enforceCacheLimit(body: J, max = MAX_CACHE_BREAKPOINTS): void {
  let excess = countCacheControls(body) - max;
  if (excess <= 0) return;
  const strip = (list: J[], keepLast: boolean) => {
    const marked = list.filter((b) => b.cache_control !== undefined);
    for (const b of keepLast ? marked.slice(0, -1) : marked) {
      if (excess <= 0) return;
      delete b.cache_control;
      excess--;
    }
  };
  strip(blocks(body.system), true);
  strip(blocks(body.tools), true);
  for (const m of blocks(body.messages)) strip(blocks(m.content), false);
  strip(blocks(body.system), false);
  strip(blocks(body.tools), false);
}
