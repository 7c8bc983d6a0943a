/** Amp routes: provider aliases and the management proxy (amp.md §2). */
import type { Route } from "../server/handler.js";

/** Rows for the route table. */
export const AMP_ROUTES: Route[] = [];
