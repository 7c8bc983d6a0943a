import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../../src/app/start.js";
import { createLogger } from "../../src/log/log.js";
import { readTlsFiles } from "../../src/config/runtime.js";

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("readTlsFiles() names the unreadable file and reads nothing when tls is off", async () => {
  assert.equal(await readTlsFiles({ enable: false, cert: "", key: "" }), undefined);
  await assert.rejects(readTlsFiles({ enable: true, cert: "/nonexistent/c.pem", key: "/k" }), {
    message: 'Cannot serve HTTPS: tls.cert "/nonexistent/c.pem" is unreadable (ENOENT)',
  });
  await assert.rejects(readTlsFiles({ enable: true, cert: "", key: "/k" }), {
    message: "Cannot serve HTTPS: tls.cert or tls.key is empty",
  });
});

test("start() serves HTTPS when tls.enable is true", { skip: !hasOpenssl() && "openssl not installed" }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-tls-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const file = join(dir, "config.yaml");
  writeFileSync(
    file,
    `tls: { enable: true, cert: ${JSON.stringify(cert)}, key: ${JSON.stringify(key)} }\nauth-dir: ${JSON.stringify(join(dir, "auth"))}\n`,
  );
  const started = await start({
    configPath: file,
    port: 0,
    cwd: dir,
    homeDir: dir,
    env: {},
    log: createLogger({ sink: () => {} }),
  });
  t.after(() => started.stop(1000));
  assert.match(started.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<string>((resolve, reject) => {
    request(`${started.url}/healthz`, { rejectUnauthorized: false }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve(text));
    })
      .on("error", reject)
      .end();
  });
  assert.equal(body, '{"status":"ok"}');
});
