/** Amp provider aliases /api/provider/{p}/… (amp.md §2.1): model traffic served locally or by ampcode.com. */
import type { Route } from "../server/handler.js";

/** Rows for the route table. */
export const AMP_PROVIDER_ROUTES: Route[] = [];
