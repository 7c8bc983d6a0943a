/**
 * One browser login, shared by the CLI (login.ts) and the management starters (management.ts):
 * new state and PKCE, the redirect_uri (the registered one for Claude and Codex, following a port
 * override for Google), the authorize URL, an optional local listener, and — once a code arrives —
 * the exchange, the extra calls and the atomic token file write.
 */
import { join } from "node:path";
import { startCallbackServer, type CallbackServer } from "./callback.js";
import type { Endpoints, OAuthProvider } from "./endpoints.js";
import { newPkce, newState, type Pkce } from "./pkce.js";
import { writeTokenFile } from "./store.js";
import type { SavedLogin, VendorContext } from "./vendor.js";
import { VENDORS } from "./vendors.js";

/** A login waiting for its code. */
export interface PendingLogin {
  readonly provider: OAuthProvider;
  readonly state: string;
  readonly redirectUri: string;
  /** The URL the user opens. */
  readonly url: string;
  /** The port the callback is expected on (the listener's, or the redirect_uri's). */
  readonly port: number;
  /** The local listener, when one was asked for. */
  readonly listener?: CallbackServer;
  /** Kept in memory only; never printed or logged. */
  readonly pkce: Pkce;
}

/** Options of beginLogin. */
export interface BeginOptions {
  /** `--port`: moves the listener (and, for Google, the redirect_uri). */
  readonly port?: number;
  /** Start the local callback listener. */
  readonly listen: boolean;
  readonly waitMs?: number;
}

/** A finished login: the file written and the account. */
export interface FinishedLogin extends SavedLogin {
  readonly path: string;
  /** The bytes written (the auth-dir watcher skips its own writes by hash). */
  readonly content: string;
}

/** Starts a login: state, PKCE, listener (when asked) and authorize URL. Rejects with a LoginError when the port is busy. */
export async function beginLogin(
  provider: OAuthProvider,
  endpoints: Endpoints,
  options: BeginOptions,
): Promise<PendingLogin> {
  const state = newState();
  const pkce = newPkce();
  const redirect = new URL(endpoints.redirectUri);
  const registeredPort = Number(redirect.port || (redirect.protocol === "https:" ? 443 : 80));
  const listenPort = options.port ?? registeredPort;
  let listener: CallbackServer | undefined;
  if (options.listen) {
    const paths = [redirect.pathname];
    const upstreamStyle = provider === "claude" || provider === "codex";
    listener = await startCallbackServer({
      port: listenPort,
      paths,
      successPaths: upstreamStyle ? ["/success"] : [],
      expectedState: state,
      waitMs: options.waitMs,
      busyExitCode: upstreamStyle ? 13 : 1,
    });
  }
  const port = listener?.port ?? listenPort;
  // Claude and Codex accept only their registered redirect_uri, so --port moves the listener alone (for
  // SSH forwards); Google's installed-app clients accept any loopback port. Port 0 (tests) follows the listener.
  if (registeredPort === 0 || (endpoints.redirectFollowsPort && options.port !== undefined))
    redirect.port = String(port);
  const redirectUri = redirect.toString();
  const url = VENDORS[provider].authorizeUrl(endpoints, { state, challenge: pkce.challenge, redirectUri });
  return { provider, state, redirectUri, url, port, listener, pkce };
}

/** Exchanges the code, makes the provider's extra calls and writes the token file into `authDir`. */
export async function finishLogin(
  login: PendingLogin,
  code: { code: string; state: string },
  ctx: VendorContext,
  authDir: string,
): Promise<FinishedLogin> {
  const saved = await VENDORS[login.provider].complete(
    {
      code: code.code,
      state: code.state,
      expectedState: login.state,
      verifier: login.pkce.verifier,
      redirectUri: login.redirectUri,
    },
    ctx,
  );
  return writeSaved(saved, authDir);
}

/** Writes a finished login's token file. */
export async function writeSaved(saved: SavedLogin, authDir: string): Promise<FinishedLogin> {
  const content = await writeTokenFile(authDir, saved.file, saved.data);
  return { ...saved, path: join(authDir, saved.file), content };
}
