/**
 * HTTP routes of Amp's thread actors (issue 11): the credential answers whose wsTokens cliproxy must
 * remember before its client opens a socket with them, and HTTP calls through Rivet's actor gateway
 * (`/actors/gateway/threadActor/request/{import,inference,inference-messages}`). The CLI authenticates
 * gateway calls with its Amp key (Authorization, swapped here like on every Amp route) or, for
 * `/import`, only with the wsToken in `x-rivet-conn-params`: a token cliproxy relayed is accepted too.
 */
import { HttpError } from "../server/errors.js";
import type { Handler, Route } from "../server/handler.js";
import { isLoopbackAddress } from "../server/loopback.js";
import { route } from "../server/router.js";
import { captureWsTokens } from "./actor-tokens.js";
import { guardManagement, LOCALHOST_ONLY } from "./guards.js";
import { gatewayToken, withRivetParams } from "./handshake.js";
import { forward } from "./upstream.js";

/** POST /api/thread-actors and /api/user-actor-credentials: relayed, their wsTokens remembered on the way. */
const credentials: Handler = guardManagement(async (req, ctx) => {
  await forward(req, ctx, {
    management: true,
    tap: () => captureWsTokens((token) => ctx.app.amp.actorTokens.remember(token)),
  });
});

const forwardGateway: Handler = async (req, ctx) => {
  await forward(req, ctx, { management: true, editUrl: (judged) => withRivetParams(judged, ctx.config.ampcode) });
};
const keyedGateway = guardManagement(forwardGateway);

/** /actors/…: a remembered wsToken, else the usual client-key guard. */
const gateway: Handler = async (req, ctx) => {
  const token = gatewayToken(req);
  if (token === undefined || !ctx.app.amp.actorTokens.accepts(token)) return keyedGateway(req, ctx);
  if (ctx.config.ampcode.restrictManagementToLocalhost && !isLoopbackAddress(ctx.peer)) {
    throw new HttpError(403, "permission_error", LOCALHOST_ONLY);
  }
  return forwardGateway(req, ctx);
};

/** Rows for the route table. */
export const ACTOR_ROUTES: Route[] = [
  route("*", "/api/thread-actors", "plain", credentials),
  route("*", "/api/user-actor-credentials", "plain", credentials),
  route("*", "/actors/*rest", "plain", gateway),
];
