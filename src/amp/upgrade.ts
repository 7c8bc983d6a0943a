/**
 * Which WebSocket upgrades cliproxy tunnels to the Amp upstream, and on whose credential (issue 11).
 * Checks in order: a valid RFC 6455 handshake (400), an Amp upstream (503), the localhost restriction
 * (403), then the credential (401): an actor socket (/actors/…) must present a wsToken cliproxy relayed
 * to an authenticated client; an upgrade on another Amp path (/api/…) may instead carry a client key,
 * which is swapped for the upstream key like any Amp request. A refused upgrade never reaches upstream.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { checkApiKey, refuseKey } from "../server/auth.js";
import { HttpError } from "../server/errors.js";
import type { App } from "../server/handler.js";
import { isLoopbackAddress } from "../server/loopback.js";
import { LOCALHOST_ONLY } from "./guards.js";
import {
  handshakeProblem,
  isActorPath,
  threadOf,
  upgradeToken,
  upstreamHandshakeHeaders,
  withRivetParams,
} from "./handshake.js";
import { requireUpstreamKey } from "./secret.js";
import { targetPath } from "./scrub.js";
import { refuse, runTunnel, UpgradeRefusal } from "./tunnel.js";
import { UNAVAILABLE_BODY } from "./upstream.js";

/** The 401 an actor upgrade without a known wsToken gets. */
export const UNKNOWN_TOKEN =
  "Unknown or expired actor token: fetch the credentials through cliproxy (POST /api/thread-actors) with a valid client key";

/** True for paths whose upgrades are Amp's: the actor gateway and the /api tree. */
export function isAmpUpgradePath(path: string): boolean {
  return isActorPath(path) || path === "/api" || path.startsWith("/api/");
}

/** Handles an upgrade on an Amp path: tunnels it, or answers why not. Resolves with the status when refused. */
export async function ampUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  app: App,
  url: URL,
): Promise<number | undefined> {
  const config = app.config();
  const peer = req.socket.remoteAddress ?? "";
  try {
    const problem = handshakeProblem(req);
    if (problem)
      throw new UpgradeRefusal(400, `Bad WebSocket handshake: ${problem}`, { "sec-websocket-version": "13" });
    const target = app.amp.upstream(config);
    if (!target) throw new UpgradeRefusal(503, UNAVAILABLE_BODY.error);
    if (config.ampcode.restrictManagementToLocalhost && !isLoopbackAddress(peer))
      throw new UpgradeRefusal(403, LOCALHOST_ONLY);
    const actor = isActorPath(url.pathname);
    const token = upgradeToken(req);
    let key: string | undefined;
    let clientKey: string | undefined;
    if (token === undefined || !app.amp.actorTokens.accepts(token)) {
      // A forged or stale token is a failed credential like a wrong key: it counts toward the client-key lockout.
      if (actor) refuseKey({ app, config, peer }, UNKNOWN_TOKEN);
      const check = checkApiKey(req, { config, url, peer });
      if (!check.ok) refuseKey({ app, config, peer }, check.message); // counts toward the client-key lockout
      clientKey = check.key;
      key = await requireUpstreamKey({ app, config, clientKey, dialect: "plain" });
    }
    // Forward exactly the path that was judged (its parsed form) with the client's own query.
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const raw = url.pathname + (q < 0 ? "" : rawUrl.slice(q));
    await runTunnel({
      app,
      req,
      socket,
      head,
      target: target.url,
      path: targetPath(target.url, actor ? withRivetParams(raw, config.ampcode) : raw),
      headers: upstreamHandshakeHeaders(req, target.url.host, key),
      proxyUrl: config.proxyUrl,
      connectTimeoutMs: config.upstreamConnectTimeoutMs,
      handshakeTimeoutMs: config.ampcode.tunnelHandshakeTimeoutMs,
      idleTimeoutMs: config.ampcode.tunnelIdleTimeoutMs,
      logPath: url.pathname,
      thread: threadOf(url),
    });
    return undefined;
  } catch (err) {
    const e =
      err instanceof UpgradeRefusal
        ? err
        : err instanceof HttpError
          ? new UpgradeRefusal(err.status, err.message, err.headers)
          : new UpgradeRefusal(500, "Internal error");
    if (!(err instanceof UpgradeRefusal) && !(err instanceof HttpError))
      app.log.error("amp tunnel failed", { path: url.pathname, error: String(err) });
    refuse(socket, e);
    return e.status;
  }
}
