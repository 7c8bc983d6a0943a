/** The value an Amp routing decision produces (amp/decide.ts makes it; recent.ts and the status page keep and show it). */

/** Where a model request goes. */
export type RouteType = "LOCAL_PROVIDER" | "MODEL_MAPPING" | "AMP_CREDITS" | "NO_PROVIDER" | "FALLBACK_DENIED";

/** One routing decision, as logged and as the explain endpoint shows it. */
export interface Decision {
  readonly requestedModel: string;
  /** The model passed on: the mapped name (with suffix) for MODEL_MAPPING, else the requested one. */
  readonly resolvedModel: string;
  readonly routeType: RouteType;
  /** Local provider id, `ampcode.com`, or `none`. */
  readonly provider: string;
  readonly reason: string;
  /**
   * Drop thinking blocks from buffered answers that call tools (on unless a Claude provider serves it, amp.md PR-13,
   * PR-19 step 3).
   */
  readonly suppressThinking: boolean;
  /** The served model nearest to an unserved one, for the error and the reason. */
  readonly closest?: string;
}
