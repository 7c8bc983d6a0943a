/**
 * Our router: method + path with `:param` segments and a trailing `*rest` wildcard.
 * The most specific route wins (literal over param over wildcard, segment by segment), so the
 * table's order never decides behaviour; a path that matches with another method answers 405.
 */
import type { Dialect, Handler, Method, Route } from "./handler.js";

/** The result of matching a request against the table. */
export type Match =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "method"; allow: string[]; dialect: Dialect }
  | { kind: "none" };

interface Compiled {
  route: Route;
  segments: string[];
  /** One digit per segment: 4 literal, 3 param, 1 wildcard, then 2 for the end of the pattern. */
  rank: string;
}

/** A compiled route table. */
export interface Router {
  match(method: string, path: string): Match;
}

/** Compiles routes once; matching is a scan over precompiled segments (tables are small). */
export function createRouter(routes: readonly Route[]): Router {
  const compiled: Compiled[] = routes.map((route) => {
    const segments = route.path.split("/").slice(1);
    // The end of a pattern ranks between a param and a wildcard: "/v1beta/models" beats "/v1beta/models/*rest".
    const rank = segments.map((s) => (s.startsWith("*") ? "1" : s.startsWith(":") ? "3" : "4")).join("") + "2";
    return { route, segments, rank };
  });
  compiled.sort((a, b) => (a.rank < b.rank ? 1 : a.rank > b.rank ? -1 : 0));
  return {
    match(method, path) {
      const parts = path.split("/").slice(1);
      const allow: string[] = [];
      let dialect: Dialect | undefined;
      for (const c of compiled) {
        const params = matchSegments(c.segments, parts);
        if (!params) continue;
        if (c.route.method === "*" || c.route.method === method || (method === "HEAD" && c.route.method === "GET")) {
          return { kind: "found", route: c.route, params };
        }
        allow.push(c.route.method);
        dialect ??= c.route.dialect;
      }
      return allow.length > 0
        ? { kind: "method", allow: [...new Set(allow)], dialect: dialect ?? "openai" }
        : { kind: "none" };
    },
  };
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith("*")) {
      params[p.slice(1) || "rest"] = parts.slice(i).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (p.startsWith(":")) {
      if (part === "") return undefined;
      params[p.slice(1)] = safeDecode(part);
    } else if (p !== part) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Shorthand for building a route row. */
export function route(method: Method, path: string, dialect: Dialect, handler: Handler): Route {
  return { method, path, dialect, handler };
}
