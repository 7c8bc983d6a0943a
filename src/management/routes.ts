/** Management API under /v0/management (management.md; the ampcode endpoints of amp.md §6) and the /status page. */
import type { Handler, Method, Route } from "../server/handler.js";
import { route } from "../server/router.js";
import { managementFallback, requireManagement } from "./auth.js";
import { explain, getAmpcode, MODEL_MAPPINGS, SCALARS, UPSTREAM_KEYS, type ScalarHandlers } from "./ampcode.js";
import { deleteApiKeys, getApiKeys, patchApiKeys, putApiKeys } from "./api-keys.js";
import { getConfig, getConfigYaml, putConfigYaml } from "./config.js";
import { providerListHandlers, providerLists, type ProviderList } from "./provider-keys.js";
import type { KindTable } from "../config/kinds.js";
import { SETTINGS, settingHandlers } from "./settings.js";
import {
  authFileModels,
  deleteAuthFiles,
  patchAuthFileFields,
  downloadAuthFile,
  listAuthFiles,
  patchAuthFileStatus,
  uploadAuthFiles,
} from "./auth-files.js";
import { deleteLogs, getLogs } from "./logs.js";
import { statusHandler } from "./status.js";
import { getApiKeyUsage, getUsage, getUsageQueue } from "./usage.js";
import { OAUTH_ALIAS, OAUTH_EXCLUDED } from "./oauth-maps.js";

/** Where the management API lives. */
export const MANAGEMENT_BASE = "/v0/management";

function rows(path: string, handlers: Partial<Record<Method, Handler>>): Route[] {
  return Object.entries(handlers).map(([method, h]) =>
    route(method as Method, `${MANAGEMENT_BASE}${path}`, "plain", requireManagement(h as Handler)),
  );
}

const scalar = (path: string, s: ScalarHandlers): Route[] =>
  rows(path, { GET: s.get, PUT: s.put, PATCH: s.put, ...(s.del ? { DELETE: s.del } : {}) });

const list = (l: ProviderList): Route[] => {
  const h = providerListHandlers(l);
  return rows(`/${l.key}`, { GET: h.get, PUT: h.put, PATCH: h.patch, DELETE: h.del });
};

/** Rows for the route table; each provider kind with a config list gets its list endpoint. */
export function managementRoutes(kinds: KindTable): Route[] {
  return [
    ...rows("/config", { GET: getConfig }),
    ...rows("/config.yaml", { GET: getConfigYaml, PUT: putConfigYaml }),
    ...SETTINGS.flatMap((s) => scalar(s.path, settingHandlers(s))),
    ...rows("/api-keys", { GET: getApiKeys, PUT: putApiKeys, PATCH: patchApiKeys, DELETE: deleteApiKeys }),
    ...providerLists(kinds).flatMap(list),
    ...rows("/oauth-excluded-models", {
      GET: OAUTH_EXCLUDED.get,
      PUT: OAUTH_EXCLUDED.put,
      PATCH: OAUTH_EXCLUDED.patch,
      DELETE: OAUTH_EXCLUDED.del,
    }),
    ...rows("/oauth-model-alias", {
      GET: OAUTH_ALIAS.get,
      PUT: OAUTH_ALIAS.put,
      PATCH: OAUTH_ALIAS.patch,
      DELETE: OAUTH_ALIAS.del,
    }),
    ...rows("/api-key-usage", { GET: getApiKeyUsage }),
    ...rows("/usage-queue", { GET: getUsageQueue }),
    ...rows("/usage", { GET: getUsage }),
    ...rows("/logs", { GET: getLogs, DELETE: deleteLogs }),
    ...rows("/auth-files", { GET: listAuthFiles, POST: uploadAuthFiles, DELETE: deleteAuthFiles }),
    ...rows("/auth-files/download", { GET: downloadAuthFile }),
    ...rows("/auth-files/status", { PATCH: patchAuthFileStatus }),
    ...rows("/auth-files/models", { GET: authFileModels }),
    ...rows("/auth-files/fields", { PATCH: patchAuthFileFields }),
    ...rows("/ampcode", { GET: getAmpcode }),
    ...scalar("/ampcode/upstream-url", SCALARS.upstreamUrl),
    ...scalar("/ampcode/upstream-api-key", SCALARS.upstreamApiKey),
    ...scalar("/ampcode/restrict-management-to-localhost", SCALARS.restrict),
    ...scalar("/ampcode/force-model-mappings", SCALARS.force),
    ...scalar("/ampcode/model-fallback", SCALARS.fallback),
    ...scalar("/prioritize-model-mappings", SCALARS.prioritize),
    ...rows("/ampcode/model-mappings", {
      GET: MODEL_MAPPINGS.get,
      PUT: MODEL_MAPPINGS.put,
      PATCH: MODEL_MAPPINGS.patch,
      DELETE: MODEL_MAPPINGS.del,
    }),
    ...rows("/ampcode/upstream-api-keys", {
      GET: UPSTREAM_KEYS.get,
      PUT: UPSTREAM_KEYS.put,
      PATCH: UPSTREAM_KEYS.patch,
      DELETE: UPSTREAM_KEYS.del,
    }),
    ...rows("/ampcode/explain", { GET: explain }),
    route("*", `${MANAGEMENT_BASE}/*rest`, "plain", managementFallback),
    route("GET", "/status", "plain", statusHandler),
  ];
}
