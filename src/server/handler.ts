/**
 * The one handler shape. `req` is what the client sent (untrusted); `ctx` is what cliproxy decided.
 * Routes are data (app/routes.ts); wrappers add one concern each and call `next` or throw.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config/schema.js";
import type { Logger } from "../log/log.js";
import type { LogRing } from "../log/ring.js";
import type { Lockout } from "./lockout.js";
import type { LastReload } from "../config/watch.js";

/** The API dialect of an endpoint: decides the shape of error bodies. `plain` is `{"error": …}` JSON. */
export type Dialect = "openai" | "anthropic" | "gemini" | "plain";

/** An injectable clock, so cooldowns and caches are testable without sleeps. */
export interface Clock {
  now(): number;
}

/** Fields the access log line adds when a handler knows them. */
export interface RequestNotes {
  provider?: string;
  model?: string;
  route?: string;
  /** Leave this request out of the access log (the "Amp is off" 503 is not access-logged, amp.md RT-5). */
  skipAccessLog?: boolean;
}

/** What cliproxy decided about a request, and where to answer it. */
export interface Ctx {
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly dialect: Dialect;
  /** The configuration snapshot current when the request arrived. */
  readonly config: Config;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  readonly app: App;
  readonly requestId: string;
  /** The socket peer address, never a forwarded header. */
  readonly peer: string;
  /** The client API key that authenticated this request, when one did. */
  readonly clientKey?: string;
  /** Mutable notes for the access log. */
  readonly notes: RequestNotes;
}

/** A request handler. */
export type Handler = (req: IncomingMessage, ctx: Ctx) => Promise<void>;
/** Adds one concern (auth, body cap, …) around a handler. */
export type Wrap = (next: Handler) => Handler;

/** HTTP method of a route; `*` matches any. */
export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" | "*";

/** One row of the route table. Path segments: literal, `:name` (one segment), `*name` (the rest, maybe empty). */
export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly dialect: Dialect;
  readonly handler: Handler;
}

/**
 * Long-lived process state shared by all requests: services and the current config. Feature modules add their
 * runtime as a slot (a `declare module` block beside the runtime: providers, amp), so the kernel
 * imports no feature; app/app.ts builds the whole App.
 */
export interface App {
  readonly version: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Environment as seen at start (tests inject their own). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Home directory (for ~/.cli-proxy-api and ~/.local/share/amp/secrets.json). */
  readonly homeDir: string;
  /** The config file in use, when there is one. */
  readonly configPath: string | undefined;
  /** The current configuration snapshot. */
  config(): Config;
  /** Swaps in a new configuration atomically; modules rebuild what depends on it. */
  setConfig(next: Config): void;
  /** Failed client API keys by peer (server/auth.ts), on the app's clock. */
  readonly clientLockout: Lockout;
  /** The app logger's last lines (log/ring.ts), for management's GET /logs; undefined when the logger has no tap. */
  readonly logRing: LogRing | undefined;
  /** Responses open now (server/dispatch.ts adds each until it closes), for the metrics gauges. */
  readonly liveResponses: Set<ServerResponse>;
  /** Settings a deployment fixes whatever the config says (config/pinned.ts; the PostgreSQL store sets it). */
  pin?: (config: Config) => Config;
  /** The last config reload attempt worth showing (config/watch.ts records it). */
  lastReload?: LastReload;
}
