/**
 * Client API keys, `/api-keys` (management.md §4.3): GET the list, PUT to replace it, PATCH to replace
 * one (by index, or `old` → `new`, appending `new` when `old` is absent), DELETE by index or value.
 */
import { exampleKeysRefusal } from "../config/safe-mode.js";
import type { Handler } from "../server/handler.js";
import { invalidConfig } from "./config.js";
import { badRequest, indexOf, INVALID_BODY, ok, readJsonBody, readList, reply } from "./http.js";
import { identity, listEdits } from "./list-edit.js";
import { saveChange } from "./save.js";
import { isObject } from "../plain-object.js";

const KEY = "api-keys";

/** For each item of `after`, the index of an unused equal-identity item of `before` (undefined for new ones). */
export function originsByIdentity(before: readonly unknown[], after: readonly unknown[]): Array<number | undefined> {
  const used = new Set<number>();
  return after.map((item) => {
    const id = identity(item);
    const i = before.findIndex((b, n) => !used.has(n) && identity(b) === id);
    if (i < 0) return undefined;
    used.add(i);
    return i;
  });
}

/** Saves a new key list; `origin` defaults to matching by value. A list with an example key is 422 and changes nothing. */
function saveKeys(
  ctx: Parameters<Handler>[1],
  update: (keys: readonly string[]) => { keys: string[]; origin?: Array<number | undefined> },
): Promise<void> {
  return saveChange(ctx.app, (current, fileText) => {
    const { keys, origin } = update(current.apiKeys);
    const refusal = exampleKeysRefusal({ ...current, apiKeys: keys });
    if (refusal) throw invalidConfig(refusal);
    return {
      config: { ...current, apiKeys: keys },
      edits: listEdits(fileText, KEY, current.apiKeys, keys, origin ?? originsByIdentity(current.apiKeys, keys)),
    };
  });
}

/** `GET /api-keys`. */
export const getApiKeys: Handler = async (_req, ctx) => reply(ctx, 200, { [KEY]: [...ctx.app.config().apiKeys] });

/** `PUT /api-keys`: replaces the list (blank keys dropped). */
export const putApiKeys: Handler = async (req, ctx) => {
  const list = await readList(req);
  if (list.some((k) => typeof k !== "string")) throw badRequest(INVALID_BODY);
  const keys = (list as string[]).map((k) => k.trim()).filter((k) => k !== "");
  await saveKeys(ctx, () => ({ keys }));
  ok(ctx);
};

/** `PATCH /api-keys`: `{"index","value"}` replaces in range; `{"old","new"}` replaces the first equal key or appends. */
export const patchApiKeys: Handler = async (req, ctx) => {
  const body = await readJsonBody(req);
  if (!body || !isObject(body.value)) throw badRequest(INVALID_BODY);
  const b = body.value;
  const index = indexOf(b.index);
  if (index !== undefined && typeof b.value === "string" && index < ctx.app.config().apiKeys.length) {
    const value = b.value.trim();
    await saveKeys(ctx, (keys) => {
      const next = [...keys];
      if (index < next.length) next[index] = value;
      return { keys: next, origin: next.map((_, i) => i) };
    });
    return ok(ctx);
  }
  if (typeof b.old === "string" && typeof b.new === "string") {
    const old = b.old.trim();
    const value = b.new.trim();
    await saveKeys(ctx, (keys) => {
      const i = keys.findIndex((k) => k.trim() === old);
      const next = i >= 0 ? keys.map((k, n) => (n === i ? value : k)) : [...keys, value];
      return { keys: next, origin: next.map((_, n) => (n < keys.length ? n : undefined)) };
    });
    return ok(ctx);
  }
  throw badRequest("missing fields");
};

/** `DELETE /api-keys?index=i` or `?value=k` (every equal key; 200 even when none). */
export const deleteApiKeys: Handler = async (_req, ctx) => {
  const q = ctx.url.searchParams;
  const index = q.has("index") ? indexOf(q.get("index")) : undefined;
  const value = q.get("value");
  if (q.has("index")) {
    if (index === undefined || index >= ctx.app.config().apiKeys.length) throw badRequest("invalid index");
  } else if (value === null) throw badRequest("missing index or value");
  const wanted = value?.trim(); // set whenever index is not
  await saveKeys(ctx, (keys) => {
    const keep = keys.map((k, i) => i).filter((i) => (index !== undefined ? i !== index : keys[i].trim() !== wanted));
    return { keys: keep.map((i) => keys[i]), origin: keep };
  });
  ok(ctx);
};
