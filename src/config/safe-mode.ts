/**
 * Example-key safe mode (config.md §1): a config whose api-keys still hold the placeholders from
 * config.example.yaml must not serve the API, since anyone who has read the example could use it.
 * The server then answers only a page saying what to fix (and /healthz, so supervisors do not
 * restart-loop), as CLIProxyAPI's internal/safemode does. The routes serving the page are in app/safe-mode.ts.
 */
import type { Config } from "./schema.js";

/** The placeholder keys of CLIProxyAPI's config.example.yaml. */
export const EXAMPLE_KEYS: readonly string[] = ["your-api-key-1", "your-api-key-2", "your-api-key-3"];

/** The placeholder keys still present in `config.api-keys` (empty: safe to serve). */
export function exampleKeys(config: Config): string[] {
  return config.apiKeys.map((k) => k.trim()).filter((k) => EXAMPLE_KEYS.includes(k));
}

/** Why a config must not replace the running one while it holds example keys (a reload or a management write); undefined when it holds none. */
export function exampleKeysRefusal(config: Config): string | undefined {
  const keys = exampleKeys(config);
  if (keys.length === 0) return undefined;
  return (
    `api-keys holds the example key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")} of config.example.yaml: ` +
    "anyone who has read the example could use them. Replace them with keys of your own"
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page shown instead of the API. */
export function safeModePage(keys: readonly string[], configPath: string): string {
  const list = keys.map((k) => `<li><code>${escapeHtml(k)}</code></li>`).join("");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>cliproxy: replace the example API keys</title></head>
<body>
<h1>cliproxy is not serving requests</h1>
<p>The config file <code>${escapeHtml(configPath)}</code> still lists the example API keys from config.example.yaml:</p>
<ul>${list}</ul>
<p>Anyone who has read the example could use them. Replace them under <code>api-keys</code> with keys of your own, then restart cliproxy.</p>
</body></html>
`;
}
