/** The upstream side of tunnels: https with SNI and certificate checks, and proxy-url CONNECT tunnels. */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect as netConnect, type AddressInfo, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dial } from "../support/ws.js";
import { startAmpStandIn } from "../support/amp-actor.js";
import { startServer } from "../support/server.js";
import { actorPath, AMP_KEY, CLIENT_KEY, credentials, protocols, tunnelSetup } from "./tunnel-setup.js";

/** A self-signed certificate for "localhost" made by the openssl binary, or undefined when there is none. */
function selfSigned(): { cert: Buffer; key: Buffer; certPath: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-tls-"));
  try {
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
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
      ],
      { stdio: "ignore" },
    );
  } catch {
    return undefined;
  }
  return {
    cert: readFileSync(join(dir, "cert.pem")),
    key: readFileSync(join(dir, "key.pem")),
    certPath: join(dir, "cert.pem"),
  };
}

/** A TLS front for a plain server, recording the SNI name of each connection. */
async function tlsFront(
  t: TestContext,
  pem: { cert: Buffer; key: Buffer },
  port: number,
): Promise<{ port: number; names: Array<string | false> }> {
  const names: Array<string | false> = [];
  const sockets = new Set<Socket>();
  // SNICallback sees the name even when the client then rejects the certificate.
  const server = createTlsServer(
    { cert: pem.cert, key: pem.key, SNICallback: (name, cb) => (names.push(name), cb(null)) },
    (tls) => {
      const plain = netConnect(port, "127.0.0.1");
      sockets.add(plain);
      tls.pipe(plain).pipe(tls);
      tls.on("error", () => plain.destroy());
      plain.on("error", () => tls.destroy());
      tls.on("close", () => plain.destroy());
    },
  );
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, names };
}

test("an https upstream whose certificate is not trusted is refused (502), never tunnelled", async (t) => {
  const pem = selfSigned();
  if (!pem) return t.skip("no openssl binary to make a test certificate");
  const A = await startAmpStandIn(t);
  const front = await tlsFront(t, pem, A.port);
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    ampcode: { upstreamUrl: `https://localhost:${front.port}`, upstreamApiKey: AMP_KEY },
  });
  A.tokens.push("wst_tls");
  s.app.amp.actorTokens.remember("wst_tls");
  const d = await dial(`${s.url}${actorPath("T-1")}`, { "sec-websocket-protocol": protocols("wst_tls") });
  assert.equal(d.ok ? 101 : d.status, 502);
  assert.deepEqual(front.names, ["localhost"], "SNI names the host");
  assert.equal(A.upgrades.length, 0);
  assert.ok(s.logs.some((l) => /amp tunnel: TLS to localhost:\d+ failed/.test(l)));
});

test("an https upstream with a certificate trusted through NODE_EXTRA_CA_CERTS carries the socket, SNI included", async (t) => {
  const pem = selfSigned();
  if (!pem) return t.skip("no openssl binary to make a test certificate");
  const A = await startAmpStandIn(t);
  const front = await tlsFront(t, pem, A.port);
  const dir = mkdtempSync(join(tmpdir(), "cliproxy-tls-run-"));
  writeFileSync(
    join(dir, "config.yaml"),
    `host: 127.0.0.1\napi-keys: ["${CLIENT_KEY}"]\nampcode:\n  upstream-url: "https://localhost:${front.port}"\n  upstream-api-key: "${AMP_KEY}"\n`,
  );
  const script = join(dir, "run.mts");
  writeFileSync(
    script,
    `import { start } from ${JSON.stringify(resolve("src/app/start.ts"))};\n` +
      `import { createLogger } from ${JSON.stringify(resolve("src/log/log.ts"))};\n` +
      `const s = await start({ configPath: ${JSON.stringify(join(dir, "config.yaml"))}, port: 0, homeDir: ${JSON.stringify(dir)}, env: {}, log: createLogger({ sink: () => {} }) });\n` +
      `console.log("READY " + s.url);\nprocess.on("SIGTERM", () => s.stop(100).then(() => process.exit(0)));\n`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: pem.certPath },
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => child.kill("SIGTERM"));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const m = /READY (\S+)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`cliproxy exited ${code}: ${out}`)));
  });
  const { threadId, wsToken } = await credentials({ url } as never);
  const d = await dial(`${url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(d.ok, JSON.stringify(!d.ok && d));
  d.peer.send("ping");
  assert.equal(await d.peer.next((m) => m === "pong"), "pong");
  assert.ok(front.names.length >= 2 && front.names.every((n) => n === "localhost"), JSON.stringify(front.names));
  assert.equal(A.upgrades[0].status, 101);
  d.peer.socket.destroy();
});

test("with proxy-url the tunnel goes through a CONNECT proxy", async (t) => {
  const targets: string[] = [];
  const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
  const open = new Set<Socket>();
  proxy.on("connect", (req, client: Socket, head: Buffer) => {
    targets.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = netConnect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    open.add(upstream).add(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  t.after(() => {
    for (const s of open) s.destroy();
    proxy.close();
  });
  const { A, s } = await tunnelSetup(t, {
    config: { proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` },
  });
  const { threadId, wsToken } = await credentials(s);
  const d = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.ok(d.ok);
  d.peer.send("ping");
  assert.equal(await d.peer.next((m) => m === "pong"), "pong");
  assert.deepEqual(targets, [`127.0.0.1:${A.port}`]);
  d.peer.socket.destroy();
  s.setConfig({
    apiKeys: [CLIENT_KEY],
    proxyUrl: "http://127.0.0.1:9",
    ampcode: { upstreamUrl: A.url, upstreamApiKey: AMP_KEY },
  });
  const dead = await dial(`${s.url}${actorPath(threadId)}`, { "sec-websocket-protocol": protocols(wsToken) });
  assert.equal(dead.ok ? 101 : dead.status, 502);
});
