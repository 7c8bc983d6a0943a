/**
 * bcrypt on Node core alone, so a CLIProxyAPI `remote-management.secret-key` that was already hashed
 * (`$2a$`/`$2b$`/`$2y$`, as its loader writes back) still verifies, and plaintext keys can be hashed the
 * same way. Blowfish's initial P-array and S-boxes are the fractional hex digits of pi; rather than ship
 * 8 KB of opaque constants we compute them once, on first use, with Machin's formula over BigInt (a few
 * tens of milliseconds, only on the management path). Verified against bcryptjs vectors in the tests.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";

const WORDS = 18 + 4 * 256;
let PI_WORDS: Uint32Array | undefined;

/** arctan(1/x) scaled by 2^bits, by its Taylor series. */
function arctanInv(x: bigint, scale: bigint): bigint {
  let sum = 0n;
  let term = scale / x;
  const x2 = x * x;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += ((k - 1n) / 2n) % 2n === 0n ? term / k : -(term / k);
    term /= x2;
  }
  return sum;
}

/** The first WORDS 32-bit words of pi's fractional part (Blowfish's P-array then S-boxes). */
function piWords(): Uint32Array {
  if (PI_WORDS) return PI_WORDS;
  const bits = BigInt(WORDS * 32 + 64); // 64 guard bits absorb the series' truncation error
  const scale = 1n << bits;
  const pi = 16n * arctanInv(5n, scale) - 4n * arctanInv(239n, scale);
  const frac = (pi - 3n * scale) >> 64n;
  const out = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) out[i] = Number((frac >> BigInt((WORDS - 1 - i) * 32)) & 0xffffffffn);
  PI_WORDS = out;
  return out;
}

interface State {
  p: Uint32Array;
  s: Uint32Array;
}

function f(s: Uint32Array, x: number): number {
  return (((s[x >>> 24] + s[256 | ((x >>> 16) & 0xff)]) ^ s[512 | ((x >>> 8) & 0xff)]) + s[768 | (x & 0xff)]) >>> 0;
}

/** Encrypts the block at lr[i], lr[i+1] in place. */
function encipher(st: State, lr: Uint32Array, i: number): void {
  let l = lr[i];
  let r = lr[i + 1];
  const { p, s } = st;
  l ^= p[0];
  for (let k = 1; k <= 16; k += 2) {
    r ^= f(s, l) ^ p[k];
    l ^= f(s, r) ^ p[k + 1];
  }
  lr[i] = (r ^ p[17]) >>> 0;
  lr[i + 1] = l >>> 0;
}

/** Reads the next 32 bits from a cyclic byte stream. */
function streamWord(data: Uint8Array, pos: { i: number }): number {
  let w = 0;
  for (let k = 0; k < 4; k++) {
    w = ((w << 8) | data[pos.i]) >>> 0;
    pos.i = (pos.i + 1) % data.length;
  }
  return w;
}

/** Blowfish key schedule, optionally salted (the "expensive key schedule" of bcrypt). */
function expand(st: State, key: Uint8Array, salt?: Uint8Array): void {
  const kp = { i: 0 };
  for (let i = 0; i < 18; i++) st.p[i] = (st.p[i] ^ streamWord(key, kp)) >>> 0;
  const sp = { i: 0 };
  const lr = new Uint32Array(2);
  const fill = (arr: Uint32Array) => {
    for (let i = 0; i < arr.length; i += 2) {
      if (salt) {
        lr[0] ^= streamWord(salt, sp);
        lr[1] ^= streamWord(salt, sp);
      }
      encipher(st, lr, 0);
      arr[i] = lr[0];
      arr[i + 1] = lr[1];
    }
  };
  fill(st.p);
  fill(st.s);
}

const B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** bcrypt's own base64 (no padding, its alphabet). */
function encode64(bytes: Uint8Array, length: number): string {
  let out = "";
  for (let i = 0; i < length;) {
    const c1 = bytes[i++];
    out += B64[c1 >> 2];
    let c = (c1 & 3) << 4;
    if (i >= length) {
      out += B64[c];
      break;
    }
    const c2 = bytes[i++];
    out += B64[c | (c2 >> 4)];
    c = (c2 & 0x0f) << 2;
    if (i >= length) {
      out += B64[c];
      break;
    }
    const c3 = bytes[i++];
    out += B64[c | (c3 >> 6)] + B64[c3 & 0x3f];
  }
  return out;
}

function decode64(text: string, length: number): Uint8Array | undefined {
  const out: number[] = [];
  const v = (i: number) => B64.indexOf(text[i] ?? "");
  for (let i = 0; out.length < length; i += 4) {
    const [a, b, c, d] = [v(i), v(i + 1), v(i + 2), v(i + 3)];
    if (a < 0 || b < 0) return undefined;
    out.push(((a << 2) | (b >> 4)) & 0xff);
    if (out.length >= length || c < 0) break;
    out.push(((b << 4) | (c >> 2)) & 0xff);
    if (out.length >= length || d < 0) break;
    out.push(((c << 6) | d) & 0xff);
  }
  return out.length === length ? Uint8Array.from(out) : undefined;
}

const MAGIC = Buffer.from("OrpheanBeholderScryDoubt", "latin1");
const HASH_RE = /^\$2[aby]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** True when `s` looks like a bcrypt hash CLIProxyAPI would have written. */
export function isBcryptHash(s: string): boolean {
  return HASH_RE.test(s);
}

function compute(password: string, cost: number, salt: Uint8Array): Uint8Array {
  const key = Buffer.concat([Buffer.from(password, "utf8"), Buffer.from([0])]).subarray(0, 72);
  const words = piWords();
  const st: State = { p: words.slice(0, 18), s: words.slice(18) };
  expand(st, key, salt);
  for (let i = 0; i < 1 << cost; i++) {
    expand(st, key);
    expand(st, salt);
  }
  const ctext = new Uint32Array(6);
  for (let i = 0; i < 6; i++) ctext[i] = MAGIC.readUInt32BE(i * 4);
  for (let i = 0; i < 64; i++) for (let j = 0; j < 6; j += 2) encipher(st, ctext, j);
  const out = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) out.writeUInt32BE(ctext[i], i * 4);
  return out;
}

/** Hashes `password` as `$2a$<cost>$…` (cost 4–31; CLIProxyAPI uses 10). */
export function bcryptHash(password: string, cost = 10, salt: Uint8Array = randomBytes(16)): string {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError(`bcrypt cost must be 4–31, got ${cost}`);
  const c = String(cost).padStart(2, "0");
  return `$2a$${c}$${encode64(salt, 16)}${encode64(compute(password, cost, salt), 23)}`;
}

/** Checks `password` against a bcrypt hash in constant time; false for anything malformed. */
export function bcryptVerify(password: string, hash: string): boolean {
  const m = HASH_RE.exec(hash);
  if (!m) return false;
  const cost = Number(m[1]);
  const salt = decode64(m[2], 16);
  const expected = decode64(m[3], 23);
  if (!salt || !expected || cost < 4 || cost > 31) return false;
  const actual = compute(password, cost, salt).subarray(0, 23);
  return timingSafeEqual(actual, expected);
}
