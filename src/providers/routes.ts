/** Provider endpoints: /v1/*, /v1beta/* (filled in by the providers layer). */
import type { Route } from "../server/handler.js";

/** Rows for the route table. */
export const PROVIDER_ROUTES: Route[] = [];
