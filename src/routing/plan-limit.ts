/**
 * Anthropic's subscription plan limits (5-hour and 7-day windows), read from the unified rate-limit
 * headers of a 429 as CLIProxyAPI HEAD a7e3596b7 internal/runtime/executor/helps/claude_ratelimit.go
 * does: such a 429 is about the whole account, so the credential rests until the latest reset
 * (HEAD adds 1–30 s of random fuzz; cliproxy does not, so the wait is the one the upstream named).
 */

const H = "anthropic-ratelimit-unified-";

function resetAt(raw: string | undefined): number | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Epoch ms when a plan-limit 429 ends (the latest rejected window's reset), or undefined when the headers name none. */
export function planLimitUntil(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const st = (w: string) => (headers[`${H}${w}status`] ?? "").trim().toLowerCase();
  const unified = st("");
  const s5h = st("5h-");
  const s7d = st("7d-");
  const s7dOi = st("7d_oi-");
  // Only the per-model (7d_oi) window rejected: a model limit, not the account's (HEAD isFableOnlyRejection).
  if (s5h === "allowed" && s7d === "allowed" && s7dOi === "rejected") return undefined;
  const deadlines: number[] = [];
  if (s5h === "rejected") deadlines.push(resetAt(headers[`${H}5h-reset`]) ?? 0);
  if (s7d === "rejected") deadlines.push(resetAt(headers[`${H}7d-reset`]) ?? 0);
  if (s7dOi === "rejected") deadlines.push(resetAt(headers[`${H}7d_oi-reset`]) ?? 0);
  if (unified === "rejected" || deadlines.length > 0) deadlines.push(resetAt(headers[`${H}reset`]) ?? 0);
  const latest = Math.max(0, ...deadlines);
  return latest > now ? latest : undefined;
}
