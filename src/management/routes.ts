/** Management API under /v0/management (management.md; the ampcode endpoints of amp.md §6). */
import type { Handler, Method, Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { requireManagement } from "./auth.js";
import { explain, getAmpcode, MODEL_MAPPINGS, SCALARS, UPSTREAM_KEYS, type ScalarHandlers } from "./ampcode.js";

const BASE = "/v0/management";

function rows(path: string, handlers: Partial<Record<Method, Handler>>): Route[] {
  return Object.entries(handlers).map(([method, h]) => route(method as Method, `${BASE}${path}`, "plain", requireManagement(h as Handler)));
}

const scalar = (path: string, s: ScalarHandlers): Route[] => rows(path, { GET: s.get, PUT: s.put, PATCH: s.put, ...(s.del ? { DELETE: s.del } : {}) });

/** Rows for the route table. */
export const MANAGEMENT_ROUTES: Route[] = [
  ...rows("/ampcode", { GET: getAmpcode }),
  ...scalar("/ampcode/upstream-url", SCALARS.upstreamUrl),
  ...scalar("/ampcode/upstream-api-key", SCALARS.upstreamApiKey),
  ...scalar("/ampcode/restrict-management-to-localhost", SCALARS.restrict),
  ...scalar("/ampcode/force-model-mappings", SCALARS.force),
  ...scalar("/ampcode/model-fallback", SCALARS.fallback),
  ...scalar("/prioritize-model-mappings", SCALARS.prioritize),
  ...rows("/ampcode/model-mappings", { GET: MODEL_MAPPINGS.get, PUT: MODEL_MAPPINGS.put, PATCH: MODEL_MAPPINGS.patch, DELETE: MODEL_MAPPINGS.del }),
  ...rows("/ampcode/upstream-api-keys", { GET: UPSTREAM_KEYS.get, PUT: UPSTREAM_KEYS.put, PATCH: UPSTREAM_KEYS.patch, DELETE: UPSTREAM_KEYS.del }),
  ...rows("/ampcode/explain", { GET: explain }),
];
