/**
 * The local callback listener of a browser login (oauth.md §1.3): loopback only (127.0.0.1 and, when the host has it,
 * ::1, since browsers resolve `localhost` to either), GET only, static pages that echo nothing, closed after the first
 * result or the wait limit. Only a callback carrying this login's state is a result (a code or the provider's error):
 * any local page can make the browser request `localhost:<port>/callback?error=x`, and that must not abort the login,
 * so a callback with another state (or none) gets a 400 page and the listener keeps waiting. Also parses what a user
 * pastes instead (oauth.md §1.4), so a headless login needs no listener at all.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { stateMatches } from "./pkce.js";

/** How long a login waits for its callback (oauth.md §1.3). */
export const CALLBACK_WAIT_MS = 5 * 60_000;

/** What came back from the provider: a code and state, or the provider's error. */
export interface CallbackResult {
  readonly code?: string;
  readonly state?: string;
  readonly error?: string;
}

/** Why a login failed; `exitCode` is what the CLI exits with. */
export class LoginError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "LoginError";
  }
}

/** A running callback listener. */
export interface CallbackServer {
  /** The port actually bound (the requested one, or an ephemeral one for 0). */
  readonly port: number;
  /** Resolves with the accepted code and state; rejects on a provider error or a code-less callback (either with this login's state), or the wait limit. */
  readonly result: Promise<{ code: string; state: string }>;
  /** Offers a result from elsewhere (a pasted URL); the first result wins either way. */
  offer(result: CallbackResult): void;
  close(): Promise<void>;
}

/** Options of a callback listener. */
export interface CallbackOptions {
  readonly port: number;
  /** Paths that take the callback, e.g. ["/callback"]. */
  readonly paths: readonly string[];
  /** Paths that answer the success page only (Claude's and Codex's `/success`). */
  readonly successPaths?: readonly string[];
  readonly expectedState: string;
  readonly waitMs?: number;
  /** Exit code when the port is busy (13 for Claude and Codex, as upstream). */
  readonly busyExitCode?: number;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`;

/** The static page shown after a good callback. */
export const SUCCESS_PAGE = PAGE("Login successful", "cliproxy received the login. You can close this window.");
/** The static page shown after a refused callback; it never echoes the query. */
export const FAILURE_PAGE = PAGE("Login failed", "cliproxy refused this login. Return to the terminal for details.");
/** The static page shown for a callback that does not carry this login's state; the login goes on waiting. */
export const FOREIGN_PAGE = PAGE(
  "Callback refused",
  "This callback does not belong to the login cliproxy is waiting for, so it was ignored. The login is still waiting; return to the terminal for details.",
);

/** Checks one callback against the expected state; returns the accepted code+state or the failure reason. */
export function judgeCallback(r: CallbackResult, expectedState: string): { code: string; state: string } | LoginError {
  if (r.error) return new LoginError(`Login failed: the provider answered "${r.error}"`);
  if (!r.code) return new LoginError("Login failed: the callback has no code (no_code)");
  if (!r.state) return new LoginError("Login failed: the callback has no state (no_state)");
  if (!stateMatches(expectedState, r.state))
    return new LoginError("Login failed: the callback state does not match this login; nothing was exchanged");
  return { code: r.code, state: r.state };
}

/** Starts the listener; rejects at once with a LoginError naming the port when it is busy. */
export async function startCallbackServer(options: CallbackOptions): Promise<CallbackServer> {
  let settle!: (v: { code: string; state: string } | LoginError) => void;
  let settled = false;
  const result = new Promise<{ code: string; state: string }>((resolve, reject) => {
    settle = (v) => {
      if (settled) return;
      settled = true;
      if (v instanceof LoginError) reject(v);
      else resolve(v);
    };
  });
  result.catch(() => undefined); // the caller awaits it; an unobserved rejection must not crash the process
  const offer = (r: CallbackResult) => {
    const judged = judgeCallback(r, options.expectedState);
    settle(judged);
    return judged;
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const isCallback = options.paths.includes(url.pathname);
    if (!isCallback && !options.successPaths?.includes(url.pathname))
      return void res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
    if (req.method !== "GET")
      return void res.writeHead(405, { allow: "GET", "content-type": "text/plain" }).end("Method not allowed");
    let page = SUCCESS_PAGE;
    if (isCallback) {
      const q = url.searchParams;
      const r = {
        code: q.get("code") ?? undefined,
        state: q.get("state") ?? undefined,
        error: q.get("error") ?? undefined,
      };
      if (!stateMatches(options.expectedState, r.state))
        page = FOREIGN_PAGE; // not ours: refused, nothing settled
      else if (offer(r) instanceof LoginError) page = FAILURE_PAGE;
    }
    res.writeHead(page === SUCCESS_PAGE ? 200 : 400, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      connection: "close",
    });
    res.end(page);
  };
  const servers: Server[] = [];
  const v4 = createServer(handler);
  try {
    await listenOn(v4, options.port, "127.0.0.1");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE" ? "it is already in use (another login running?)" : (code ?? (err as Error).message);
    throw new LoginError(
      `Cannot listen for the login callback on port ${options.port}: ${why}; pass --port N to use another`,
      options.busyExitCode ?? 1,
      { cause: err },
    );
  }
  servers.push(v4);
  const port = (v4.address() as AddressInfo).port;
  const v6 = createServer(handler);
  // ::1 is a courtesy for browsers that resolve localhost to IPv6; hosts without it still work on 127.0.0.1.
  await listenOn(v6, port, "::1").then(
    () => servers.push(v6),
    () => undefined,
  );
  const timer = setTimeout(
    () =>
      settle(
        new LoginError(
          `Login timed out: no callback within ${Math.round((options.waitMs ?? CALLBACK_WAIT_MS) / 1000)} s`,
        ),
      ),
    options.waitMs ?? CALLBACK_WAIT_MS,
  );
  timer.unref();
  let closing: Promise<void> | undefined;
  const close = () => {
    clearTimeout(timer);
    settle(new LoginError("Login cancelled"));
    closing ??= Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    return closing;
  };
  // Closed after the first result: the page has been written by then (connection: close).
  result.then(
    () => setImmediate(() => void close()),
    () => setImmediate(() => void close()),
  );
  return { port, result, offer: (r) => void offer(r), close };
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Parses what a user pasted after a headless login (oauth.md §1.4): a full URL, `host:port/path?query`,
 * `?code=…&state=…`, bare `code=…&state=…`, values in a `#fragment`, or Claude's `<code>#<state>`.
 * Throws a LoginError when it holds neither a code nor an error.
 */
export function parsePastedCallback(text: string): CallbackResult {
  const input = text.trim();
  let query = "";
  let fragment = "";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input) || /^[^\s/?#]+:\d+\//.test(input) || input.startsWith("localhost")) {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `http://${input}`);
    query = url.search.slice(1);
    fragment = url.hash.slice(1);
  } else if (input.startsWith("?") || input.includes("=")) {
    const [q, f = ""] = input.replace(/^\?/, "").split("#", 2);
    query = q;
    fragment = f;
  } else if (input) {
    // Claude's hosted page shows `<code>#<state>`; a bare code keeps the expected state.
    const [code, state] = input.split("#", 2);
    if (/^[A-Za-z0-9._~-]+$/.test(code)) return { code, state: state || undefined };
  }
  const params = new URLSearchParams(query);
  const frag = new URLSearchParams(fragment);
  const get = (k: string) => params.get(k) ?? frag.get(k) ?? undefined;
  const out = { code: get("code"), state: get("state"), error: get("error") };
  if (!out.code && !out.error) throw new LoginError("callback URL missing code");
  return out;
}
