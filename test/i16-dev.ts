import { providerKey } from "../src/config/schema.ts";
import { startServer } from "./support/server.ts";
import { startSdkFakes } from "./support/sdk-fakes.ts";
const fakes = await startSdkFakes({ textOnly: true });
const t = { after: () => {} } as any;
const server = await startServer(t, {
  apiKeys: ["change-me-1"],
  claudeApiKey: [providerKey("sk-ant-fake", { baseUrl: fakes.claude.url })],
  codexApiKey: [providerKey("sk-codex-fake", { baseUrl: fakes.codex.url })],
  geminiApiKey: [providerKey("AIza-fake", { baseUrl: fakes.gemini.url })],
});
console.log(server.url);
setInterval(() => { const l = server.logs.splice(0); if (l.length) console.log(l.join("\n")); }, 500);
