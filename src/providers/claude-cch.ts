/**
 * The `cch=` signature in Claude Code's billing header (CLIProxyAPI HEAD a7e3596b7,
 * internal/runtime/executor/claude_signing.go): five lower-hex digits, the low 20 bits of
 * xxHash64(seed 0x4D659218E32A3268) over the final body with the digits zeroed, every `model` string
 * value emptied and the dispatch-only members `max_tokens`, `fallbacks`, `fallback_credit_token`
 * left out. The body is never re-serialised: only the five digits change.
 */

const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
/** Claude Code's seed for the billing hash. */
export const CCH_SEED = 0x4d659218e32a3268n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, input: bigint): bigint => (rotl((acc + input * P2) & MASK, 31n) * P1) & MASK;
const merge = (acc: bigint, v: bigint): bigint => ((acc ^ round(0n, v)) * P1 + P4) & MASK;

/** xxHash64 of `buf` (the reference algorithm, BigInt arithmetic). */
export function xxh64(buf: Uint8Array, seed: bigint): bigint {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = buf.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & MASK,
      v2 = (seed + P2) & MASK,
      v3 = seed,
      v4 = (seed - P1) & MASK;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else h = (seed + P5) & MASK;
  h = (h + BigInt(len)) & MASK;
  for (; i + 8 <= len; i += 8) h = (rotl(h ^ round(0n, view.getBigUint64(i, true)), 27n) * P1 + P4) & MASK;
  if (i + 4 <= len) {
    h = (rotl(h ^ ((BigInt(view.getUint32(i, true)) * P1) & MASK), 23n) * P2 + P3) & MASK;
    i += 4;
  }
  for (; i < len; i++) h = (rotl(h ^ ((BigInt(buf[i]) * P5) & MASK), 11n) * P1) & MASK;
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  return h ^ (h >> 32n);
}

const EXCLUDED = new Set(['"max_tokens"', '"fallbacks"', '"fallback_credit_token"']);

/** Byte ranges to cut out of the body for the hash view, found by one scan (claude_signing.go normalizeClaudeCCHInput). */
class Scanner {
  pos = 0;
  readonly cuts: Array<[number, number]> = [];
  constructor(readonly s: string) {}
  ws(): void {
    while (this.pos < this.s.length && " \t\r\n".includes(this.s[this.pos])) this.pos++;
  }
  str(): [number, number] {
    const start = this.pos++;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === "\\") this.pos += 2;
      else if (c === '"') return [start, ++this.pos];
      else this.pos++;
    }
    throw new SyntaxError("unterminated string");
  }
  value(collect: boolean): void {
    this.ws();
    const c = this.s[this.pos];
    if (c === "{") return this.object(collect);
    if (c === "[") {
      this.pos++;
      this.ws();
      if (this.s[this.pos] === "]") return void this.pos++;
      for (;;) {
        this.value(collect);
        this.ws();
        if (this.s[this.pos++] === "]") return;
      }
    }
    if (c === '"') return void this.str();
    while (this.pos < this.s.length && !",}] \t\r\n".includes(this.s[this.pos])) this.pos++;
  }
  object(collect: boolean): void {
    this.pos++;
    this.ws();
    if (this.s[this.pos] === "}") return void this.pos++;
    const members: Array<{ start: number; end: number; commaBefore: number; commaAfter: number; excluded: boolean }> =
      [];
    let commaBefore = -1;
    for (;;) {
      this.ws();
      const start = this.pos;
      const [ks, ke] = this.str();
      this.ws();
      this.pos++; // ':'
      this.ws();
      const key = this.s.slice(ks, ke);
      const excluded = collect && EXCLUDED.has(key);
      if (collect && key === '"model"' && this.s[this.pos] === '"') {
        const [vs, ve] = this.str();
        if (ve - 1 > vs + 1) this.cuts.push([vs + 1, ve - 1]);
      } else this.value(collect && !excluded);
      const end = this.pos;
      this.ws();
      let commaAfter = -1;
      if (this.s[this.pos] === ",") commaAfter = this.pos++;
      members.push({ start, end, commaBefore, commaAfter, excluded });
      if (commaAfter >= 0) {
        commaBefore = commaAfter;
        continue;
      }
      this.pos++; // '}'
      break;
    }
    if (!collect) return;
    for (let a = 0; a < members.length;) {
      if (!members[a].excluded) {
        a++;
        continue;
      }
      let b = a;
      while (b + 1 < members.length && members[b + 1].excluded) b++;
      // Claude Code 2.1.220 keeps the preceding comma when several dispatch members end an object.
      if (b + 1 < members.length) this.cuts.push([members[a].start, members[b].commaAfter + 1]);
      else if (a > 0 && b > a) this.cuts.push([members[a].start, members[b].end]);
      else if (a > 0) this.cuts.push([members[a].commaBefore, members[b].end]);
      else this.cuts.push([members[a].start, members[b].end]);
      a = b + 1;
    }
  }
}

/** The hash view of a body: `model` values emptied, dispatch-only members removed. */
export function cchView(body: string): string {
  const sc = new Scanner(body);
  sc.value(true);
  sc.cuts.sort((x, y) => x[0] - y[0]);
  let out = "";
  let last = 0;
  for (const [a, b] of sc.cuts) {
    out += body.slice(last, a);
    last = b;
  }
  return out + body.slice(last);
}

const BILLING_PREFIX = '"x-anthropic-billing-header:';

/** Where the five cch digits of `system[0].text` sit, when the body has a billing block with `cch=xxxxx;`. */
function cchOffset(body: string): number | undefined {
  const sys = body.indexOf('"system"');
  if (sys < 0) return undefined;
  const text = body.indexOf(BILLING_PREFIX, sys);
  if (text < 0) return undefined;
  const close = body.indexOf('"', text + 1);
  for (let at = body.indexOf("cch=", text); at >= 0 && at < close; at = body.indexOf("cch=", at + 4)) {
    const digits = body.slice(at + 4, at + 9);
    if (/^[0-9a-f]{5}$/.test(digits) && body[at + 9] === ";") return at + 4;
  }
  return undefined;
}

/** Signs a Messages body whose billing block carries `cch=`: the five digits become the hash; else the body as is. */
export function signClaudeBody(body: Buffer): Buffer {
  const text = body.toString("utf8");
  const at = cchOffset(text);
  if (at === undefined) return body;
  const zeroed = text.slice(0, at) + "00000" + text.slice(at + 5);
  let view: string;
  try {
    view = cchView(zeroed);
  } catch {
    return body;
  }
  const cch = (xxh64(Buffer.from(view, "utf8"), CCH_SEED) & 0xfffffn).toString(16).padStart(5, "0");
  return Buffer.from(zeroed.slice(0, at) + cch + zeroed.slice(at + 5), "utf8");
}

/** A billing text with ` cch=00000;` placed after `cc_entrypoint=…;` when it has no cch yet (Claude Code pointed at a proxy omits it). */
export function withCchPlaceholder(billing: string): string {
  if (/cch=[0-9a-f]{5};/.test(billing)) return billing;
  const ep = billing.indexOf("cc_entrypoint=");
  const semi = ep < 0 ? -1 : billing.indexOf(";", ep);
  return semi < 0 ? billing : `${billing.slice(0, semi + 1)} cch=00000;${billing.slice(semi + 1)}`;
}
