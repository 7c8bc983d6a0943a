/** Management API under /v0/management (management.md). */
import type { Route } from "../server/handler.js";

/** Rows for the route table. */
export const MANAGEMENT_ROUTES: Route[] = [];
