/** The provider table: token file type / login name → its login and refresh (one place, so callers never switch on names). */
import { ANTIGRAVITY_VENDOR } from "./antigravity.js";
import { CLAUDE_VENDOR } from "./claude.js";
import { CODEX_VENDOR } from "./codex.js";
import type { OAuthProvider } from "./endpoints.js";
import { GEMINI_VENDOR } from "./gemini.js";
import type { Vendor } from "./vendor.js";

/** Every provider cliproxy can log in to and refresh. */
export const VENDORS: Readonly<Record<OAuthProvider, Vendor>> = Object.freeze({
  claude: CLAUDE_VENDOR,
  codex: CODEX_VENDOR,
  gemini: GEMINI_VENDOR,
  antigravity: ANTIGRAVITY_VENDOR,
});

/** The vendor of a token file type, when cliproxy can refresh that type. */
export function vendorOfType(type: string): Vendor | undefined {
  return Object.hasOwn(VENDORS, type) ? VENDORS[type as OAuthProvider] : undefined;
}
