/**
 * HTML of the status page: plain tables, no framework, no external assets (it must work offline and
 * under a `default-src 'none'` policy). Every dynamic string is redacted and HTML-escaped here.
 */
import type { RecentDecision } from "../amp/recent.js";
import { redact, type SecretSet } from "../log/redact.js";

/** One credential row. */
export interface CredentialRow {
  readonly provider: string;
  readonly label: string;
  readonly state: "ok" | "cooling" | "blocked" | "disabled";
  /** Why it is not ok, with until-times. */
  readonly detail: string;
}

/** One model's totals across credentials. */
export interface ModelRow {
  readonly model: string;
  readonly requests: number;
  readonly failures: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/** Everything the page shows. */
export interface StatusView {
  readonly version: string;
  readonly uptimeSeconds: number;
  readonly now: number;
  readonly configPath: string;
  readonly lastReload: string;
  readonly credentials: readonly CredentialRow[];
  readonly usageEnabled: boolean;
  readonly models: readonly ModelRow[];
  /** Every served model id, where it comes from (catalogue or config) and which providers serve it. */
  readonly served: ReadonlyArray<{
    readonly id: string;
    readonly source: string;
    readonly providers: readonly string[];
  }>;
  readonly decisions: readonly RecentDecision[];
  /** Amp WebSocket tunnels (thread-actor sockets): open now, and opened since start. */
  readonly tunnels: { readonly open: number; readonly opened: number };
}

// At phone width the page keeps its width and each wide table scrolls sideways inside its own box.
const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:72em}
@media (max-width:40em){body{margin:.75em}h1{font-size:1.4em}}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5em 0 1.5em}code{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#176f2c}.cooling{color:#9a6700}.blocked,.disabled{color:#b42318}
.muted{color:#666}code{font-size:13px}`;

// Loads the page with the key kept in sessionStorage, swaps in its #main, and refreshes every 10 s.
const SCRIPT = `(function(){var K="cliproxy-management-key",timer;
function msg(t){var m=document.getElementById("msg");if(m)m.textContent=t;}
function swap(t){var m=new DOMParser().parseFromString(t,"text/html").getElementById("main");if(m)document.getElementById("main").replaceWith(m);}
function load(key){return fetch("/status",{headers:{"X-Management-Key":key,"Accept":"text/html"},cache:"no-store"}).then(function(r){
return r.text().then(function(t){if(!r.ok){swap(t);throw new Error("HTTP "+r.status);}return t;});}).then(function(t){sessionStorage.setItem(K,key);
swap(t);return true;})}
function start(key){load(key).then(function(){if(!timer)timer=setInterval(function(){load(key).catch(function(e){msg("Refresh failed: "+e.message);});},10000);},
function(e){sessionStorage.removeItem(K);msg("Could not open the status page: "+e.message);});}
document.addEventListener("submit",function(ev){var f=ev.target;if(!f||f.id!=="login")return;ev.preventDefault();start(f.elements.key.value);});
var saved=sessionStorage.getItem(K);if(saved)start(saved);})();`;

function esc(s: string, secrets?: SecretSet): string {
  return redact(s, secrets).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, main: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head><body>
<main id="main">${main}</main><p id="msg" class="muted"></p>
<script>${SCRIPT}</script></body></html>`;
}

/** The key form a browser gets before it has the management key (answered with 401). */
export function loginPage(reason: string): string {
  return page(
    "cliproxy status",
    `<h1>cliproxy status</h1>
<p>This page needs the management key (<code>remote-management.secret-key</code>): ${esc(reason)}.</p>
<form id="login"><label>Management key <input name="key" type="password" autocomplete="current-password" required></label> <button>Open</button></form>
<p class="muted">The key is kept in this tab's session storage and sent as <code>X-Management-Key</code>.</p>`,
  );
}

/** What a loopback browser gets while management is off: how to turn the page on. */
export function enablePage(configPath: string | undefined): string {
  return page(
    "cliproxy status is off",
    `<h1>cliproxy status is off</h1>
<p>The status page and the management API stay off until a management key is set. Add to ${configPath ? `<code>${esc(configPath)}</code>` : "your <code>config.yaml</code>"}:</p>
<pre><code>remote-management:
  secret-key: "a long secret of your own"</code></pre>
<p>The file is watched: save it and reload this page (or start cliproxy with <code>MANAGEMENT_PASSWORD</code> set). The key is stored hashed.</p>`,
  );
}

/** What a browser gets while its address is locked out after too many wrong keys. */
export function lockedPage(until: string, configPath: string | undefined): string {
  return page(
    "cliproxy status locked",
    `<h1>cliproxy status: locked</h1>
<p>Too many wrong management keys came from this address, so it is locked out until <strong>${esc(until)}</strong>.</p>
<p>The key is <code>remote-management.secret-key</code> in ${configPath ? `<code>${esc(configPath)}</code>` : "config.yaml"}; if it is lost, set a new one there (it is stored hashed) and restart cliproxy, which clears the lockout.</p>`,
  );
}

function duration(s: number): string {
  const d = Math.floor(s / 86400),
    h = Math.floor((s % 86400) / 3600),
    m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

function table(head: string[], rows: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="n"' : ""}>${c}</td>`).join("")}</tr>`)
    .join("\n");
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const ROUTE_NAMES: Record<string, string> = {
  LOCAL_PROVIDER: "local",
  MODEL_MAPPING: "mapping",
  AMP_CREDITS: "amp credits",
  NO_PROVIDER: "no provider",
  FALLBACK_DENIED: "denied",
};

function decisionRow(r: RecentDecision, secrets: SecretSet): string[] {
  const d = r.decision;
  const time = new Date(r.at).toISOString().slice(11, 19);
  return [
    time,
    esc(d.requestedModel, secrets),
    esc(ROUTE_NAMES[d.routeType] ?? d.routeType),
    esc(d.resolvedModel, secrets),
    esc(d.provider, secrets),
    `<span class="muted">${esc(d.reason, secrets)}</span>`,
  ];
}

/** The whole status page. */
export function statusPage(v: StatusView, secrets: SecretSet): string {
  const e = (s: string) => esc(s, secrets);
  const creds = v.credentials.length
    ? table(
        ["Provider", "Credential", "State", "Detail"],
        v.credentials.map((c) => [
          e(c.provider),
          e(c.label),
          `<span class="${c.state}">${c.state}</span>`,
          e(c.detail),
        ]),
      )
    : `<p class="muted">No credentials configured.</p>`;
  const models =
    !v.usageEnabled && v.models.length === 0
      ? `<p class="muted">Usage statistics are off (<code>usage-statistics-enabled: false</code>).</p>`
      : v.models.length
        ? table(
            ["Model", "Requests", "Failures", "Input tokens", "Output tokens", "Total tokens"],
            v.models.map((m) => [
              e(m.model),
              String(m.requests),
              String(m.failures),
              String(m.inputTokens),
              String(m.outputTokens),
              String(m.totalTokens),
            ]),
            new Set([1, 2, 3, 4, 5]),
          )
        : `<p class="muted">No requests yet.</p>`;
  const served = v.served.length
    ? table(
        ["Model", "Source", "Providers"],
        v.served.map((m) => [e(m.id), e(m.source), e(m.providers.join(", "))]),
      )
    : `<p class="muted">No models served.</p>`;
  const amp = v.decisions.length
    ? table(
        ["Time (UTC)", "Requested", "Route", "Resolved", "Provider", "Why"],
        v.decisions.map((d) => decisionRow(d, secrets)),
      )
    : `<p class="muted">No Amp model requests yet.</p>`;
  return page(
    `cliproxy ${e(v.version)} status`,
    `<h1>cliproxy ${e(v.version)}</h1>
<p>Up ${duration(v.uptimeSeconds)} · as of ${new Date(v.now).toISOString().replace(/\.\d{3}Z$/, "Z")}<br>
Config <code>${e(v.configPath)}</code>: ${e(v.lastReload)}<br>
Amp tunnels (thread-actor sockets): ${v.tunnels.open} open, ${v.tunnels.opened} since start</p>
<h2>Credentials</h2>
${creds}
<h2>Requests and tokens by model</h2>
${models}
<h2>Served models and where they come from</h2>
${served}
<h2>Recent Amp routing decisions</h2>
${amp}`,
  );
}
