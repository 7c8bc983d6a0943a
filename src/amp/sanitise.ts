/**
 * Request sanitising for Amp model calls (drop unsigned thinking blocks, amp.md PR-2) and the mapped-model substitution
 * (replace the body's `model`, PR-11). Both edit the raw JSON text: untouched blocks keep their exact bytes, so big
 * integers in tool inputs are never re-rounded, and a body that needs no change is returned as the same Buffer.
 */
import {
  applySplices,
  arrayElements,
  firstNonWs,
  objectMembers,
  type Member,
  type Splice,
} from "../proxy/json-scan.js";

function last(members: readonly Member[], key: string): Member | undefined {
  for (let i = members.length - 1; i >= 0; i--) if (members[i].key === key) return members[i];
  return undefined;
}

function parsed(s: string, m: Member | undefined): unknown {
  return m === undefined ? undefined : JSON.parse(s.slice(m.valueStart, m.valueEnd));
}

function isObjectAt(s: string, i: number): boolean {
  return s[i] === "{";
}

/** One content block after sanitising: its new text, or undefined to drop it. */
function sanitiseBlock(s: string, start: number, end: number): { text?: string; changed: boolean } {
  const raw = s.slice(start, end);
  if (!isObjectAt(s, start)) return { text: raw, changed: false };
  const members = objectMembers(s, start);
  const type = parsed(s, last(members, "type"));
  if (type === "thinking") {
    const sig = parsed(s, last(members, "signature"));
    // cliproxy answers thinking blocks with signature "" (amp.md PR-19); Anthropic rejects them on the way back.
    if (typeof sig !== "string" || sig.trim() === "") return { changed: true };
    return { text: raw, changed: false };
  }
  if (type === "tool_use" && members.some((m) => m.key === "signature")) {
    const kept = members.filter((m) => m.key !== "signature").map((m) => s.slice(m.start, m.valueEnd));
    return { text: `{${kept.join(",")}}`, changed: true };
  }
  return { text: raw, changed: false };
}

function sanitiseMessage(s: string, start: number): Splice | undefined {
  if (!isObjectAt(s, start)) return undefined;
  const members = objectMembers(s, start);
  if (parsed(s, last(members, "role")) !== "assistant") return undefined;
  const content = last(members, "content");
  if (content === undefined || s[content.valueStart] !== "[") return undefined;
  let changed = false;
  const kept: string[] = [];
  for (const [a, b] of arrayElements(s, content.valueStart)) {
    const r = sanitiseBlock(s, a, b);
    changed ||= r.changed;
    if (r.text !== undefined) kept.push(r.text);
  }
  return changed ? { start: content.valueStart, end: content.valueEnd, text: `[${kept.join(",")}]` } : undefined;
}

/**
 * Drops unsigned thinking blocks and tool_use signatures from assistant messages (amp.md PR-2). Returns the same Buffer
 * when nothing changed or the body is not a JSON object.
 */
export function sanitiseRequest(body: Buffer): Buffer {
  const s = body.toString("utf8");
  // Cheap exit: neither a thinking block nor a signature can be present.
  if (!s.includes("thinking") && !s.includes("signature")) return body;
  try {
    if (firstNonWs(s) !== "{") return body;
    const messages = last(objectMembers(s, 0), "messages");
    if (messages === undefined || s[messages.valueStart] !== "[") return body;
    const splices: Splice[] = [];
    for (const [a] of arrayElements(s, messages.valueStart)) {
      const sp = sanitiseMessage(s, a);
      if (sp) splices.push(sp);
    }
    return splices.length === 0 ? body : Buffer.from(applySplices(s, splices), "utf8");
  } catch {
    // Not valid JSON: the local handler answers its own parse error.
    return body;
  }
}

/** Replaces the top-level `model` string with `model`; unchanged when the body has no `model` (amp.md PR-11). */
export function replaceModel(body: Buffer, model: string): Buffer {
  const s = body.toString("utf8");
  try {
    if (firstNonWs(s) !== "{") return body;
    const m = last(objectMembers(s, 0), "model");
    if (m === undefined) return body;
    return Buffer.from(
      applySplices(s, [{ start: m.valueStart, end: m.valueEnd, text: JSON.stringify(model) }]),
      "utf8",
    );
  } catch {
    return body;
  }
}
