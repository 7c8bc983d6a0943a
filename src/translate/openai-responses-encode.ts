/** The Responses stream encoder: IR events → OpenAI Responses client events, one output item open at a time. */
import assert from "node:assert/strict";
import type { SseEvent } from "../sse/read.js";
import { newId, type Ctx, type IrError, type IrEvent, type Json, type Usage } from "./ir.js";
import { openaiErrorType } from "../errors.js";

import {
  callItem,
  encodeUsage,
  messageItem,
  reasoningItem,
  responseId,
  snapshot,
  terminal,
} from "./openai-responses-stream.js";

/** Encoder state for a Responses client stream. */
export interface ResponsesEncodeState {
  id?: string;
  createdAt: number;
  seq: number;
  started: boolean;
  open?: {
    kind: "message" | "reasoning" | "call";
    id: string;
    outputIndex: number;
    text: string;
    callIndex?: number;
    callId?: string;
    name?: string;
    signature?: string;
  };
  items: Json[];
  usage: Usage;
  toolSeen: boolean;
  done: boolean;
}

/** Fresh encoder state. */
export function newResponsesEncodeState(): ResponsesEncodeState {
  return {
    createdAt: Math.floor(Date.now() / 1000),
    seq: 0,
    started: false,
    items: [],
    usage: {},
    toolSeen: false,
    done: false,
  };
}

/** The response id, set when the first event started the response. */
function responseIdOf(s: ResponsesEncodeState): string {
  assert.ok(s.id !== undefined, "the response was started");
  return s.id;
}

/** One IR event → Responses client events; one output item is open at a time. */
export function encodeResponsesEvent(s: ResponsesEncodeState, e: IrEvent, ctx: Ctx): SseEvent[] {
  if (s.done) return [];
  if (e.kind === "usage") return (void (s.usage = { ...s.usage, ...e.usage }), []);
  const out: SseEvent[] = [];
  const emit = (type: string, data: Json) =>
    out.push({ event: type, data: JSON.stringify({ type, sequence_number: s.seq++, ...data }) });
  if (e.kind === "start") s.id ??= e.id;
  if (e.kind === "error") return (void (s.done = true), [errorEvent(s, e.error)]);
  if (!s.started) {
    s.started = true;
    s.id = responseId(s.id);
    const snap = snapshot(s.id, s.createdAt, "in_progress", [], ctx);
    emit("response.created", { response: snap });
    emit("response.in_progress", { response: snap });
  }
  const at = (o: NonNullable<ResponsesEncodeState["open"]>) => ({ item_id: o.id, output_index: o.outputIndex });
  const close = () => {
    const o = s.open;
    if (!o) return;
    s.open = undefined;
    let item: Json;
    if (o.kind === "message") {
      item = messageItem(o.id, o.text);
      emit("response.output_text.done", { ...at(o), content_index: 0, text: o.text, logprobs: [] });
      emit("response.content_part.done", {
        ...at(o),
        content_index: 0,
        part: { type: "output_text", annotations: [], text: o.text },
      });
    } else if (o.kind === "reasoning") {
      item = reasoningItem(o.id, o.text, o.signature);
      if (o.text !== "") {
        emit("response.reasoning_summary_text.done", { ...at(o), summary_index: 0, text: o.text });
        emit("response.reasoning_summary_part.done", {
          ...at(o),
          summary_index: 0,
          part: { type: "summary_text", text: o.text },
        });
      }
    } else {
      assert.ok(o.callId !== undefined && o.name !== undefined, "a call item is opened with its id and name");
      item = callItem(o.callId, o.name, o.text);
      emit("response.function_call_arguments.done", { ...at(o), arguments: o.text });
    }
    emit("response.output_item.done", { output_index: o.outputIndex, item });
    s.items.push(item);
  };
  const open = (
    kind: "message" | "reasoning" | "call",
    id: string,
    item: Json,
    extra: Partial<NonNullable<ResponsesEncodeState["open"]>> = {},
  ) => {
    close();
    const o = { kind, id, outputIndex: s.items.length, text: "", ...extra };
    s.open = o;
    emit("response.output_item.added", { output_index: o.outputIndex, item });
    return o;
  };
  const openReasoning = () => {
    if (s.open?.kind === "reasoning") return s.open;
    const id = newId("rs_");
    return open("reasoning", id, { id, type: "reasoning", summary: [] });
  };
  switch (e.kind) {
    case "text": {
      let o = s.open;
      if (o?.kind !== "message") {
        const id = newId("msg_");
        o = open("message", id, messageItem(id, "", "in_progress"));
        emit("response.content_part.added", {
          ...at(o),
          content_index: 0,
          part: { type: "output_text", annotations: [], text: "" },
        });
      }
      o.text += e.text;
      emit("response.output_text.delta", { ...at(o), content_index: 0, delta: e.text, logprobs: [] });
      break;
    }
    case "thinking": {
      const o = openReasoning();
      if (o.text === "")
        emit("response.reasoning_summary_part.added", {
          ...at(o),
          summary_index: 0,
          part: { type: "summary_text", text: "" },
        });
      o.text += e.text;
      emit("response.reasoning_summary_text.delta", { ...at(o), summary_index: 0, delta: e.text });
      break;
    }
    case "signature":
      openReasoning().signature = e.signature;
      break;
    case "toolStart": {
      s.toolSeen = true;
      const callId = e.id || newId("call_");
      open("call", `fc_${callId}`, callItem(callId, e.name, "", "in_progress"), {
        callIndex: e.index,
        callId,
        name: e.name,
      });
      break;
    }
    case "toolArgs":
      if (s.open?.kind === "call" && s.open.callIndex === e.index && e.delta !== "") {
        s.open.text += e.delta;
        emit("response.function_call_arguments.delta", { ...at(s.open), delta: e.delta });
      }
      break;
    case "toolEnd":
      if (s.open?.kind === "call" && s.open.callIndex === e.index) close();
      break;
    case "finish": {
      close();
      s.done = true;
      const t = s.toolSeen ? { status: "completed" } : terminal(e.reason);
      const type = t.status === "completed" ? "response.completed" : "response.incomplete";
      emit(type, {
        response: snapshot(responseIdOf(s), s.createdAt, t.status, s.items, ctx, {
          incomplete_details: t.incomplete ? { reason: t.incomplete } : null,
          usage: encodeUsage(s.usage),
        }),
      });
      break;
    }
  }
  return out;
}

function errorEvent(s: ResponsesEncodeState, err: IrError): SseEvent {
  const code =
    err.code ?? (err.status === 408 ? "request_timeout" : (openaiErrorType(err.status)[1] ?? "invalid_request_error"));
  return {
    event: "error",
    data: JSON.stringify({ type: "error", code, message: err.message, param: null, sequence_number: s.seq++ }),
  };
}
