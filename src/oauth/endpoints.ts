/**
 * Every URL, client id and scope the subscription logins use (oauth.md §2–§5), with the
 * `oauth-endpoints` config block (oauth.md §9) laid over the defaults. Nothing in src/oauth/ names a
 * vendor URL except this file, so tests and air-gapped mirrors can point every call elsewhere.
 */
import type { Config } from "../config/schema.js";

/** The four subscription providers cliproxy can log in to. */
export type OAuthProvider = "claude" | "codex" | "gemini" | "antigravity";

/** One provider's resolved endpoints and client identity. */
export interface Endpoints {
  readonly provider: OAuthProvider;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly redirectUri: string;
  readonly clientId: string;
  /** Public secrets shipped in Google's installed apps; "" for Claude and Codex. */
  readonly clientSecret: string;
  readonly scope: string;
  /** Google userinfo (email). */
  readonly userinfoUrl: string;
  /** Claude: api.anthropic.com; Codex: the ChatGPT backend root. */
  readonly apiBaseUrl: string;
  /** Cloud Code Assist root (`/v1internal:<method>` is appended). */
  readonly codeAssistBaseUrl: string;
  /** Antigravity: the root onboardUser is called on. */
  readonly onboardBaseUrl: string;
  /** Antigravity: roots tried in order for model calls. */
  readonly apiBaseUrls: readonly string[];
  readonly resourceManagerUrl: string;
  readonly serviceUsageUrl: string;
  readonly deviceUsercodeUrl: string;
  readonly deviceTokenUrl: string;
  readonly deviceVerificationUrl: string;
  readonly deviceRedirectUri: string;
  /** Whether the redirect_uri follows a `--port` override (Google) or stays registered (Claude, Codex). */
  readonly redirectFollowsPort: boolean;
}

const GOOGLE_SCOPES = [
  "https://www.googleapis.com/auth/cloud-platform",
  "https://www.googleapis.com/auth/userinfo.email",
  "https://www.googleapis.com/auth/userinfo.profile",
];

const BLANK = {
  clientSecret: "",
  userinfoUrl: "",
  apiBaseUrl: "",
  codeAssistBaseUrl: "",
  onboardBaseUrl: "",
  apiBaseUrls: [] as string[],
  resourceManagerUrl: "",
  serviceUsageUrl: "",
  deviceUsercodeUrl: "",
  deviceTokenUrl: "",
  deviceVerificationUrl: "",
  deviceRedirectUri: "",
};

/** The defaults from oauth.md §2–§5. */
export const DEFAULT_ENDPOINTS: Readonly<Record<OAuthProvider, Endpoints>> = Object.freeze({
  claude: {
    ...BLANK,
    provider: "claude",
    authorizeUrl: "https://claude.ai/oauth/authorize",
    // CLIProxyAPI HEAD a7e3596b7 internal/auth/claude/anthropic_auth.go: Claude Code 2.1.220 exchanges and refreshes here.
    tokenUrl: "https://platform.claude.com/v1/oauth/token",
    redirectUri: "http://localhost:54545/callback",
    clientId: "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
    scope: "user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload",
    apiBaseUrl: "https://api.anthropic.com",
    redirectFollowsPort: false,
  },
  codex: {
    ...BLANK,
    provider: "codex",
    authorizeUrl: "https://auth.openai.com/oauth/authorize",
    tokenUrl: "https://auth.openai.com/oauth/token",
    redirectUri: "http://localhost:1455/auth/callback",
    clientId: "app_EMoamEEZ73f0CkXaXp7hrann",
    scope: "openid email profile offline_access",
    apiBaseUrl: "https://chatgpt.com/backend-api/codex",
    deviceUsercodeUrl: "https://auth.openai.com/api/accounts/deviceauth/usercode",
    deviceTokenUrl: "https://auth.openai.com/api/accounts/deviceauth/token",
    deviceVerificationUrl: "https://auth.openai.com/codex/device",
    deviceRedirectUri: "https://auth.openai.com/deviceauth/callback",
    redirectFollowsPort: false,
  },
  gemini: {
    ...BLANK,
    provider: "gemini",
    authorizeUrl: "https://accounts.google.com/o/oauth2/auth",
    tokenUrl: "https://oauth2.googleapis.com/token",
    redirectUri: "http://localhost:8085/oauth2callback",
    clientId: "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
    clientSecret: "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",
    scope: GOOGLE_SCOPES.join(" "),
    userinfoUrl: "https://www.googleapis.com/oauth2/v1/userinfo?alt=json",
    codeAssistBaseUrl: "https://cloudcode-pa.googleapis.com",
    resourceManagerUrl: "https://cloudresourcemanager.googleapis.com/v1/projects",
    serviceUsageUrl: "https://serviceusage.googleapis.com",
    redirectFollowsPort: true,
  },
  antigravity: {
    ...BLANK,
    provider: "antigravity",
    authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
    tokenUrl: "https://oauth2.googleapis.com/token",
    redirectUri: "http://localhost:51121/oauth-callback",
    clientId: "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
    clientSecret: "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",
    scope: [
      ...GOOGLE_SCOPES,
      "https://www.googleapis.com/auth/cclog",
      "https://www.googleapis.com/auth/experimentsandconfigs",
    ].join(" "),
    userinfoUrl: "https://www.googleapis.com/oauth2/v2/userinfo?alt=json",
    codeAssistBaseUrl: "https://cloudcode-pa.googleapis.com",
    onboardBaseUrl: "https://daily-cloudcode-pa.googleapis.com",
    apiBaseUrls: ["https://daily-cloudcode-pa.googleapis.com", "https://cloudcode-pa.googleapis.com"],
    redirectFollowsPort: true,
  },
});

/** YAML field (oauth.md §9) → Endpoints field. */
const FIELDS: Readonly<Record<string, keyof Endpoints>> = {
  "authorize-url": "authorizeUrl",
  "token-url": "tokenUrl",
  "redirect-uri": "redirectUri",
  "api-base-url": "apiBaseUrl",
  "userinfo-url": "userinfoUrl",
  "code-assist-base-url": "codeAssistBaseUrl",
  "resource-manager-url": "resourceManagerUrl",
  "service-usage-url": "serviceUsageUrl",
  "onboard-base-url": "onboardBaseUrl",
  "api-base-urls": "apiBaseUrls",
  "device-usercode-url": "deviceUsercodeUrl",
  "device-token-url": "deviceTokenUrl",
  "device-verification-url": "deviceVerificationUrl",
  "device-redirect-uri": "deviceRedirectUri",
};

/** A provider's endpoints: the defaults with every `oauth-endpoints.<provider>` value that is set laid over them. */
export function endpointsFor(provider: OAuthProvider, config: Pick<Config, "oauthEndpoints">): Endpoints {
  const out: Record<string, unknown> = { ...DEFAULT_ENDPOINTS[provider] };
  const overrides = config.oauthEndpoints?.[provider] ?? {};
  for (const [key, value] of Object.entries(overrides)) {
    const field = FIELDS[key];
    if (!field) continue;
    if (field === "apiBaseUrls") {
      const list = (Array.isArray(value) ? value : [value]).map((v) => String(v).replace(/\/+$/, "")).filter(Boolean);
      if (list.length) out.apiBaseUrls = list;
    } else if (typeof value === "string" && value.trim()) {
      // Roots get paths appended, so a trailing slash would double; full URLs are kept as written.
      out[field] = field.endsWith("BaseUrl") ? value.trim().replace(/\/+$/, "") : value.trim();
    }
  }
  return out as unknown as Endpoints;
}

/** The provider named on the command line or in a management call, or undefined (oauth.md §1.1, management.md §4.8). */
export function parseProvider(name: string): OAuthProvider | undefined {
  const n = name.trim().toLowerCase();
  if (n === "claude" || n === "anthropic") return "claude";
  if (n === "codex" || n === "openai") return "codex";
  if (n === "gemini" || n === "google" || n === "gemini-cli") return "gemini";
  if (n === "antigravity" || n === "anti-gravity") return "antigravity";
  return undefined;
}

/** The routing provider id of a token file type (config.md §6: `gemini` routes as `gemini-cli`). */
export function providerOfType(type: string): string {
  return type === "gemini" ? "gemini-cli" : type;
}
