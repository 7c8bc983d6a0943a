/**
 * The cloaked Messages body of a Claude subscription request from a client that is not Claude Code,
 * as CLIProxyAPI HEAD a7e3596b7 builds it (internal/runtime/executor/claude_executor_cloaking.go
 * checkSystemInstructionsWithSigningModeAt, relocateClaudeSystemPromptForCountTokens,
 * injectClaudeCodeCurrentDate, injectClaudeCodeContextManagement): `system` is exactly
 * [billing header, Claude Code identity]; the client's own system text moves into the messages (a
 * role=system turn after the first user turn, or a <system-reminder> for models that reject it); the
 * first user turn gets Claude Code's currentDate reminder.
 */
import { createHash } from "node:crypto";
import { isObject } from "../plain-object.js";

type J = Record<string, unknown>;

/** The identity line Claude Code sends as its second system block. */
export const CLAUDE_CODE_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude.";
const EPHEMERAL = { type: "ephemeral" };
/** Salt of the 3-character build fingerprint in `cc_version` (claude_executor_cloaking.go computeFingerprint). */
const FINGERPRINT_SALT = "59cf53e54c78";
/** Claude Code's context_management on every request with thinking on (captured 2026-08-01 by HEAD). */
const CONTEXT_MANAGEMENT = { edits: [{ type: "clear_thinking_20251015", keep: "all" }] };

/** Models that reject a mid-conversation role=system turn; they get a <system-reminder> in the first user turn instead. */
const LEGACY_SYSTEM_MODELS = new Set([
  "claude-3-5-haiku-20241022",
  "claude-3-5-haiku-latest",
  "claude-3-7-sonnet-20250219",
  "claude-3-7-sonnet-latest",
  "claude-haiku-4-5",
  "claude-haiku-4-5-20251001",
  "claude-opus-4",
  "claude-opus-4-20250514",
  "claude-opus-4-1",
  "claude-opus-4-1-20250805",
  "claude-opus-4-5",
  "claude-opus-4-5-20251101",
  "claude-opus-4-6",
  "claude-opus-4-7",
  "claude-sonnet-4",
  "claude-sonnet-4-20250514",
  "claude-sonnet-4-5",
  "claude-sonnet-4-5-20250929",
  "claude-sonnet-4-6",
]);

/** True when the body's model rejects role=system turns (unknown and future models are assumed to accept them). */
export function usesLegacySystemReminder(model: unknown): boolean {
  const m = typeof model === "string" ? model.trim().toLowerCase() : "";
  return LEGACY_SYSTEM_MODELS.has(m.slice(m.lastIndexOf("/") + 1));
}

/** The text of the last user turn's last text block (what Claude Code fingerprints). */
function fingerprintText(body: J): string {
  let text = "";
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(m) || m.role !== "user") continue;
    let candidate = "";
    if (typeof m.content === "string") candidate = m.content;
    else if (Array.isArray(m.content))
      for (const p of m.content) if (isObject(p) && p.type === "text" && typeof p.text === "string") candidate = p.text;
    if (candidate) text = candidate;
  }
  return text;
}

/** The billing header text: `cc_version=<version>.<sha256(salt+chars 4,7,20+version)[:3]>; cc_entrypoint=cli; cch=00000;`. */
export function billingHeader(version: string, body: J, entrypoint = "cli"): string {
  const chars = [...fingerprintText(body)];
  const picked = [4, 7, 20].map((i) => chars[i] ?? "0").join("");
  const fp = createHash("sha256")
    .update(FINGERPRINT_SALT + picked + version)
    .digest("hex")
    .slice(0, 3);
  return `x-anthropic-billing-header: cc_version=${version}.${fp}; cc_entrypoint=${entrypoint}; cch=00000;`;
}

/** The client's system texts worth keeping: non-empty, not a billing header, not the identity line. */
function clientSystemTexts(system: unknown): string[] {
  const texts: string[] = [];
  const add = (t: unknown) => {
    if (
      typeof t === "string" &&
      t.trim() !== "" &&
      !t.startsWith("x-anthropic-billing-header:") &&
      t !== CLAUDE_CODE_IDENTITY
    )
      texts.push(t);
  };
  if (typeof system === "string") add(system);
  else if (Array.isArray(system)) for (const b of system) if (isObject(b) && b.type === "text") add(b.text);
  return texts;
}

function firstUser(messages: unknown[]): number {
  return messages.findIndex((m) => isObject(m) && m.role === "user");
}

/** Moves system texts into the messages as HEAD does (role=system turns, or reminders for legacy models). */
function relocate(body: J, texts: string[]): void {
  const messages = Array.isArray(body.messages) ? body.messages : undefined;
  if (!messages || texts.length === 0) return;
  const first = firstUser(messages);
  if (first < 0) return;
  if (usesLegacySystemReminder(body.model)) {
    const reminders = texts.map((t) => ({
      type: "text",
      text: `<system-reminder>\n${t}${t.endsWith("\n") ? "" : "\n"}</system-reminder>`,
    }));
    const m = messages[first] as J;
    if (typeof m.content === "string") m.content = [...reminders, { type: "text", text: m.content }];
    else if (Array.isArray(m.content)) {
      let at = 0;
      while (at < m.content.length && isObject(m.content[at]) && (m.content[at] as J).type === "tool_result") at++;
      m.content.splice(at, 0, ...reminders);
    }
    return;
  }
  let at = first + 1;
  while (at < messages.length && isObject(messages[at]) && (messages[at] as J).role === "user") at++;
  messages.splice(
    at,
    0,
    ...texts.map((text) => ({ role: "system", content: [{ type: "text", text, cache_control: EPHEMERAL }] })),
  );
}

/** Claude Code's currentDate reminder for a local date `YYYY-MM-DD`. */
export function dateReminder(date: string): string {
  return `<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# currentDate\nToday's date is ${date}.\n\n      IMPORTANT: this context may or may not be relevant to your tasks. You should not respond to this context unless it is highly relevant to your task.\n</system-reminder>\n\n`;
}

/** The local calendar date as Claude Code prints it. */
export function localDate(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** The first user turn starts (after its tool results) with the date reminder; its first real text gets a cache breakpoint. */
function injectDate(body: J, date: string): void {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const first = firstUser(messages);
  if (first < 0) return;
  const m = messages[first] as J;
  const dateBlock = { type: "text", text: dateReminder(date) };
  if (typeof m.content === "string") {
    m.content = [dateBlock, { type: "text", text: m.content, cache_control: EPHEMERAL }];
    return;
  }
  if (!Array.isArray(m.content)) return;
  let cached = false;
  const blocks: unknown[] = [];
  for (const b of m.content) {
    if (isObject(b) && b.type === "text" && typeof b.text === "string") {
      if (
        b.text.startsWith(
          "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# currentDate\n",
        )
      )
        continue;
      const reminder = b.text.startsWith("<system-reminder>") && b.text.includes("</system-reminder>");
      if (!cached && !reminder) {
        blocks.push({ ...b, cache_control: EPHEMERAL });
        cached = true;
        continue;
      }
    }
    blocks.push(b);
  }
  let at = 0;
  while (at < blocks.length && isObject(blocks[at]) && (blocks[at] as J).type === "tool_result") at++;
  blocks.splice(at, 0, dateBlock);
  m.content = blocks;
}

/** Cloaks a Messages body in place: system = [billing, identity], client system into messages, date reminder, context_management. */
export function cloakSystem(body: J, billing: string, date: string): void {
  const texts = clientSystemTexts(body.system);
  body.system = [
    { type: "text", text: billing },
    { type: "text", text: CLAUDE_CODE_IDENTITY, cache_control: EPHEMERAL },
  ];
  relocate(body, texts);
  injectDate(body, date);
  const thinking = isObject(body.thinking) ? body.thinking.type : undefined;
  if (body.context_management === undefined && (thinking === "enabled" || thinking === "adaptive"))
    body.context_management = CONTEXT_MANAGEMENT;
}

/** A cloaked count_tokens body carries no system (Claude Code's measured shape); the client's system text moves into messages. */
export function cloakCountSystem(body: J): void {
  if (body.system === undefined) return;
  const texts = clientSystemTexts(body.system);
  delete body.system;
  relocate(body, texts);
}
