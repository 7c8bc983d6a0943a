/**
 * Typed, position-aware reads from a parsed YAML document. Every read marks its key path as known,
 * so what is left over afterwards is exactly the set of unknown keys; every type problem is recorded
 * (never thrown) with its key path and line:column, so one load reports all of them at once.
 */
import type { YamlDocument } from "./yaml.js";
import { isObject } from "../plain-object.js";

/** A key path into the document: map keys and list indexes. */
export type KeyPath = readonly (string | number)[];

/** Renders a key path as users write it: `gemini-api-key[0].base-url`. */
export function pathString(path: KeyPath): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || "(top level)";
}

/** The path with list indexes erased, so one unknown key in many entries warns once. */
function genericPath(path: KeyPath): string {
  return path.map((s) => (typeof s === "number" ? "[]" : s)).join(".");
}

const DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go-style duration (`30s`, `1h`, `2h30m`, `200ms`, `1.5h`) to milliseconds, else undefined. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * DURATION_UNIT_MS[m[2]];
  return Math.round(ms);
}

interface Note {
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

function inFileOrder(notes: readonly Note[]): string[] {
  return [...notes].sort((a, b) => a.line - b.line || a.column - b.column).map((n) => n.text);
}

/** Reads values out of one document, collecting problems (fatal) and warnings (not). */
export class Reader {
  private readonly found: { problems: Note[]; warnings: Note[] } = { problems: [], warnings: [] };
  private readonly seen = new Set<string>();
  private readonly opaque = new Set<string>();
  private readonly warnedOnce = new Set<string>();

  constructor(private readonly doc: YamlDocument) {}

  /** Problems that make the file unusable, in file order. */
  get problems(): string[] {
    return inFileOrder(this.found.problems);
  }

  /** Warnings, in file order. */
  get warnings(): string[] {
    return inFileOrder(this.found.warnings);
  }

  /** Records a problem: `api-keys[2] at line 14, column 5: expected a string`. */
  problem(path: KeyPath, message: string): void {
    this.found.problems.push(this.note(path, false, message));
  }

  /** Records a warning (at the key's position when `atKey`, else the value's). */
  warn(path: KeyPath, message: string, atKey = false): void {
    this.found.warnings.push(this.note(path, atKey, message));
  }

  /** Records a warning once per generic key path and tag (list indexes erased). */
  warnOnce(path: KeyPath, tag: string, message: string): void {
    const id = `${tag}:${genericPath(path)}`;
    if (this.warnedOnce.has(id)) return;
    this.warnedOnce.add(id);
    this.warn(path, message, true);
  }

  /** The raw value at `path` (undefined when absent); marks the path as known. */
  raw(path: KeyPath): unknown {
    for (let i = 1; i <= path.length; i++) this.seen.add(JSON.stringify(path.slice(0, i)));
    let v: unknown = this.doc.value;
    for (const seg of path) {
      if (typeof seg === "number" ? !Array.isArray(v) : !isObject(v)) return undefined;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return v;
  }

  /** True when the key is present with a non-null value. */
  has(path: KeyPath): boolean {
    const v = this.raw(path);
    return v !== undefined && v !== null;
  }

  /** Marks a subtree as known without reading it (plugins, payload params, …). */
  known(path: KeyPath): void {
    this.raw(path);
    this.opaque.add(JSON.stringify(path));
  }

  /** Accepts a key cliproxy does not implement, warning once that it is ignored. */
  ignored(path: KeyPath, why = "not supported by cliproxy (ignored)"): void {
    if (this.has(path)) this.warnOnce(path, "ignored", why);
    this.known(path);
  }

  /** A trimmed string; numbers and booleans are taken as written, like Go's YAML decoder does. */
  str(path: KeyPath, fallback = ""): string {
    const v = this.raw(path);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "string") return v.trim();
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    this.problem(path, "expected a string");
    return fallback;
  }

  /** A boolean: only `true`/`false` (a quoted "yes" is a mistake worth stopping for). */
  bool(path: KeyPath, fallback = false): boolean {
    const v = this.raw(path);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    this.problem(path, "expected true or false");
    return fallback;
  }

  /** An integer. */
  int(path: KeyPath, fallback = 0): number {
    const v = this.raw(path);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "number" && Number.isSafeInteger(v)) return v;
    this.problem(path, "expected an integer");
    return fallback;
  }

  /** A duration string (`30s`, `10m`, `2h30m`) in milliseconds; anything else is a problem. */
  duration(path: KeyPath, fallbackMs: number): number {
    const v = this.raw(path);
    if (v === undefined || v === null) return fallbackMs;
    const ms = typeof v === "string" ? parseDuration(v) : v === 0 ? 0 : undefined;
    if (ms !== undefined) return ms;
    this.problem(path, `expected a duration such as "30s", "10m" or "2h30m", got ${JSON.stringify(v)}`);
    return fallbackMs;
  }

  /** The length of a list (0 when absent); a non-list is a problem. */
  list(path: KeyPath): number {
    const v = this.raw(path);
    if (v === undefined || v === null) return 0;
    if (Array.isArray(v)) return v.length;
    this.problem(path, "expected a list");
    return 0;
  }

  /** The keys of a mapping (none when absent); a non-mapping is a problem. */
  keys(path: KeyPath): string[] {
    const v = this.raw(path);
    if (v === undefined || v === null) return [];
    if (isObject(v)) return Object.keys(v);
    this.problem(path, "expected a mapping");
    return [];
  }

  /** A list of trimmed strings; empty (and, with `dedupe`, repeated) entries dropped with a warning. */
  strings(path: KeyPath, dedupe = false): string[] {
    const out: string[] = [];
    const n = this.list(path);
    for (let i = 0; i < n; i++) {
      const item = [...path, i];
      const raw = this.raw(item);
      const s = this.str(item);
      if (typeof raw === "object" && raw !== null) continue; // already a problem
      if (!s) this.warn(item, "empty entry dropped");
      else if (dedupe && out.includes(s)) this.warn(item, "duplicate entry dropped");
      else out.push(s);
    }
    return out;
  }

  /** A map of string to string, pairs with an empty side dropped. */
  stringMap(path: KeyPath): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of this.keys(path)) {
      const v = this.str([...path, k]);
      if (k.trim() && v) out[k.trim()] = v;
      else this.warn([...path, k], "empty header name or value dropped");
    }
    return out;
  }

  private note(path: KeyPath, atKey: boolean, message: string): Note {
    const p = (atKey ? this.doc.keyPos(path) : undefined) ?? this.doc.pos(path) ?? this.doc.keyPos(path);
    const where = p ? `${pathString(path)} at line ${p.line}, column ${p.column}` : pathString(path);
    return { line: p?.line ?? 0, column: p?.column ?? 0, text: `${where}: ${message}` };
  }

  /** Unknown key paths found by reportUnknown(), list indexes erased (`check-config` fails on them). */
  readonly unknown: string[] = [];

  /** Warns once per unknown key path, naming the nearest known key when one is close; call after every read. */
  reportUnknown(): void {
    const known = new Map<string, string[]>(); // parent path → the keys cliproxy read under it
    for (const seen of this.seen) {
      const p = JSON.parse(seen) as (string | number)[];
      const last = p[p.length - 1];
      if (typeof last !== "string") continue;
      const parent = JSON.stringify(p.slice(0, -1));
      known.set(parent, [...(known.get(parent) ?? []), last]);
    }
    const walk = (v: unknown, path: (string | number)[]) => {
      if (this.opaque.has(JSON.stringify(path))) return;
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
      else if (isObject(v)) {
        for (const [k, child] of Object.entries(v)) {
          const p = [...path, k];
          if (this.seen.has(JSON.stringify(p))) walk(child, p);
          else {
            const near = nearest(k, known.get(JSON.stringify(path)) ?? []);
            if (!this.unknown.includes(genericPath(p))) this.unknown.push(genericPath(p));
            this.warnOnce(
              p,
              "unknown",
              near ? `unknown key (ignored); did you mean "${near}"?` : "unknown key (ignored)",
            );
          }
        }
      }
    };
    walk(this.doc.value, []);
  }
}

/** Levenshtein distance between two short strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known key closest to a typo, when it is close enough to be the likely intent (case and _ vs - ignored). */
function nearest(typo: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, "-");
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of new Set(known)) {
    const d = editDistance(norm(typo), norm(k));
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(typo.length / 4)) ? best : undefined;
}

const PROXY_SCHEMES = new Set(["http:", "https:", "socks5:", "socks5h:"]);
const HTTP_SCHEMES = new Set(["http:", "https:"]);

/** The message for a URL setting of `kind` that cannot work, or undefined when `value` is usable (empty counts as unset). */
export function urlProblem(value: string, kind: "http" | "proxy"): string | undefined {
  const v = value.trim();
  if (v === "" || (kind === "proxy" && (v === "direct" || v === "none"))) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(v);
  } catch {
    url = undefined;
  }
  if (url && (kind === "proxy" ? PROXY_SCHEMES : HTTP_SCHEMES).has(url.protocol) && url.hostname) return undefined;
  return kind === "proxy"
    ? `expected an http://, https://, socks5:// or socks5h:// proxy URL, or direct or none, got ${JSON.stringify(v)}`
    : `expected an http:// or https:// URL with a host, got ${JSON.stringify(v)}`;
}

/** Reads a `proxy-url`: empty, `direct`, `none`, or an http/https/socks5/socks5h URL; else a problem. */
export function readProxyUrl(r: Reader, path: KeyPath): string {
  const v = r.str(path);
  const problem = urlProblem(v, "proxy");
  if (problem === undefined) return v;
  r.problem(path, problem);
  return "";
}

/** Reads a `base-url`: empty or an http/https URL with a host; else a problem (a request to it could only fail). */
export function readBaseUrl(r: Reader, path: KeyPath): string {
  const v = r.str(path);
  const problem = urlProblem(v, "http");
  if (problem === undefined) return v;
  r.problem(path, problem);
  return "";
}
