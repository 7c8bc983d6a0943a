/**
 * Puts parallel tool calls one after another. Chat upstreams may interleave the argument pieces of
 * parallel calls (index 0, index 1, index 0 again…); Anthropic content blocks and Responses output
 * items cannot interleave — once a block is stopped it cannot take more input. So, for those clients,
 * the first call streams as it comes and later calls are held until the one before them ends
 * (`toolEnd`), or until something else (text, thinking, the finish) shows the calls are over.
 */
import type { IrEvent } from "./ir.js";

interface Held {
  start: Extract<IrEvent, { kind: "toolStart" }>;
  args: string;
  ended: boolean;
}

/** Sequencer state for one stream. */
export interface ToolOrderState {
  open?: number;
  held: Map<number, Held>; // insertion order = order the calls started
}

/** Fresh sequencer state. */
export function newToolOrderState(): ToolOrderState {
  return { held: new Map() };
}

// Releases held calls in order: each ended one whole, then the first unfinished one stays open (or all, when `all`).
function release(s: ToolOrderState, all: boolean): IrEvent[] {
  const out: IrEvent[] = [];
  for (const [index, h] of s.held) {
    s.held.delete(index);
    out.push(h.start);
    if (h.args !== "") out.push({ kind: "toolArgs", index, delta: h.args });
    if (h.ended) out.push({ kind: "toolEnd", index });
    else if (!all) {
      s.open = index;
      return out;
    }
  }
  s.open = undefined;
  return out;
}

/** One IR event → the same events with every tool call's pieces contiguous. */
export function orderToolEvents(s: ToolOrderState, e: IrEvent): IrEvent[] {
  switch (e.kind) {
    case "toolStart":
      if (s.open === undefined && s.held.size === 0) {
        s.open = e.index;
        return [e];
      }
      s.held.set(e.index, { start: e, args: "", ended: false });
      return [];
    case "toolArgs": {
      const h = s.held.get(e.index);
      if (!h) return [e];
      h.args += e.delta;
      return [];
    }
    case "toolEnd": {
      const h = s.held.get(e.index);
      if (h) return (void (h.ended = true), []);
      if (e.index !== s.open) return [e];
      s.open = undefined;
      return [e, ...release(s, false)];
    }
    case "start":
    case "usage":
      return [e];
    default:
      // Text, thinking, finish or error: no call can continue past this point.
      if (s.held.size === 0) return (void (s.open = undefined), [e]);
      return [...release(s, true), e];
  }
}
