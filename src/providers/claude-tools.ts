/**
 * Third-party tool names on Claude subscriptions, as CLIProxyAPI HEAD a7e3596b7 does it
 * (internal/runtime/executor/helps/claude_mcp_alias.go, claude_builtin_tools.go and
 * claude_executor_request.go remapOAuthToolNames): every declared client tool becomes a Claude
 * Code-style MCP name `mcp__<word>_<word>__<word>_<semantic>` (≤ 64 chars, BIP-39 words picked by
 * HMAC-SHA256), server tools and names already in the `mcp__` scheme stay, and a request-local map
 * restores the client's names in every answer, whole or streamed.
 */
import { createHmac } from "node:crypto";
import { BIP39_WORDS } from "./claude-words.js";
import { isObject } from "../plain-object.js";

/** HEAD's secret when no caller key is known. */
export const DEFAULT_ALIAS_SECRET = "cpa-claude-mcp-default-caller";
const BUILTIN = ["web_search", "code_execution", "text_editor", "computer"];
const SERVER_PREFIXES = [
  "advisor_",
  "agent_toolset_",
  "bash_",
  "code_execution_",
  "computer_",
  "memory_",
  "text_editor_",
  "tool_search_tool_",
  "web_fetch_",
  "web_search_",
];

/** True for Anthropic server tool types (`web_search_20250305`, …), which keep their names. */
export function isServerToolType(type: unknown): boolean {
  const t = typeof type === "string" ? type.trim().toLowerCase() : "";
  return SERVER_PREFIXES.some((p) => t.startsWith(p));
}

/** True for a name already in Claude Code's MCP convention `mcp__server__tool`. */
export function isMcpToolName(name: string): boolean {
  if (name.length === 0 || name.length > 64 || !name.startsWith("mcp__")) return false;
  const rest = name.slice(5);
  const sep = rest.indexOf("__");
  return sep > 0 && sep + 2 < rest.length && /^[A-Za-z0-9_-]+$/.test(name);
}

function digest(secret: string, purpose: string, original: string): Buffer {
  return createHmac("sha256", secret)
    .update("cpa-claude-mcp-alias-v2\0")
    .update(purpose)
    .update("\0")
    .update(original)
    .digest();
}

function semantic(original: string, max: number): string {
  let out = "";
  let pending = false;
  for (const ch of original) {
    if (!/[A-Za-z0-9_-]/.test(ch)) {
      pending = out.length > 0;
      continue;
    }
    if (pending && out.length + 1 < max) out += "_";
    pending = false;
    if (out.length >= max) break;
    out += ch;
  }
  out = out.replace(/^[_-]+|[_-]+$/g, "");
  return out || "tool";
}

/** The alias for `original` not in `reserved` (linear probing over the word list), or undefined when none is free. */
export function allocateAlias(secret: string, original: string, reserved: ReadonlySet<string>): string | undefined {
  const s = digest(secret, "server", "");
  const server = `${BIP39_WORDS[s.readUInt16BE(0) % 2048]}_${BIP39_WORDS[s.readUInt16BE(2) % 2048]}`;
  const base = digest(secret, "tool", original).readUInt16BE(0) % 2048;
  for (let a = 0; a < 2048; a++) {
    const prefix = `mcp__${server}__${BIP39_WORDS[(base + a) % 2048]}_`;
    const alias = prefix + semantic(original, Math.max(1, 64 - prefix.length));
    if (!reserved.has(alias)) return alias;
  }
  return undefined;
}

type J = Record<string, unknown>;

/**
 * Renames the client's tools in a Messages body (edited in place): `tools[].name` (a typed custom
 * tool loses its `type`), `tool_choice.name`, and `tool_use` / `tool_reference` names in messages.
 * Returns the reverse map, alias → client name.
 */
export function aliasTools(body: J, secret = DEFAULT_ALIAS_SECRET): Map<string, string> {
  const reverse = new Map<string, string>();
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObject) : [];
  const reserved = new Set<string>(BUILTIN);
  const forward = new Map<string, string>();
  for (const t of tools) if (typeof t.name === "string") reserved.add(t.name);
  for (const t of tools) {
    const name = typeof t.name === "string" ? t.name : "";
    if (!name || isServerToolType(t.type) || isMcpToolName(name) || forward.has(name)) continue;
    const alias = allocateAlias(secret, name, reserved);
    if (!alias) continue;
    forward.set(name, alias);
    reserved.add(alias);
  }
  if (forward.size === 0) return reverse;
  const rename = (name: unknown): string | undefined => {
    const alias = typeof name === "string" ? forward.get(name) : undefined;
    if (alias) reverse.set(alias, name as string);
    return alias;
  };
  for (const t of tools) {
    if (isServerToolType(t.type)) continue;
    if (typeof t.type === "string" && t.type.trim() !== "") delete t.type;
    const alias = rename(t.name);
    if (alias) t.name = alias;
  }
  const choice = body.tool_choice;
  if (isObject(choice) && choice.type === "tool") {
    const alias = rename(choice.name);
    if (alias) choice.name = alias;
  }
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(m) || !Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (!isObject(part)) continue;
      if (part.type === "tool_use") {
        const alias = rename(part.name);
        if (alias) part.name = alias;
      } else if (part.type === "tool_reference") {
        const alias = rename(part.tool_name);
        if (alias) part.tool_name = alias;
      } else if (part.type === "tool_result" && Array.isArray(part.content)) {
        for (const nested of part.content) {
          if (isObject(nested) && nested.type === "tool_reference") {
            const alias = rename(nested.tool_name);
            if (alias) nested.tool_name = alias;
          }
        }
      }
    }
  }
  return reverse;
}

function restoreBlock(block: unknown, reverse: ReadonlyMap<string, string>): unknown {
  if (!isObject(block)) return block;
  const key = block.type === "tool_use" ? "name" : block.type === "tool_reference" ? "tool_name" : undefined;
  if (key && typeof block[key] === "string" && reverse.has(block[key] as string))
    return { ...block, [key]: reverse.get(block[key] as string) };
  if (block.type === "tool_result" && Array.isArray(block.content))
    return { ...block, content: block.content.map((c) => restoreBlock(c, reverse)) };
  return block;
}

/** A Messages answer (whole body, or one stream event's data) with the client's tool names back. */
export function restoreToolNames(data: unknown, reverse: ReadonlyMap<string, string>): unknown {
  if (!isObject(data) || reverse.size === 0) return data;
  if (Array.isArray(data.content)) return { ...data, content: data.content.map((b) => restoreBlock(b, reverse)) };
  if (isObject(data.content_block)) {
    const block = restoreBlock(data.content_block, reverse);
    return block === data.content_block ? data : { ...data, content_block: block };
  }
  return data;
}
