/** HTTP hygiene (issue 12 item 13): duplicate Host, header floods, 100-continue after auth, no reading of refused huge bodies. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { startServer } from "../support/server.js";
import { startFake, sendJson } from "../support/fake-upstream.js";
import { chatCompletion, compat, CLIENT_KEY } from "../providers/support.js";

/** Opens a raw connection and collects everything the server sends until it closes or `until` matches. */
async function raw(port: number): Promise<{
  socket: Socket;
  received: () => string;
  waitFor: (re: RegExp) => Promise<string>;
  closed: Promise<void>;
}> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let text = "";
  const waiters: Array<() => void> = [];
  socket.on("data", (c: Buffer) => {
    text += c.toString("latin1");
    for (const w of waiters.splice(0)) w();
  });
  socket.on("error", () => undefined);
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  const waitFor = async (re: RegExp): Promise<string> => {
    while (!re.test(text)) {
      const more = new Promise<void>((r) => waiters.push(r));
      await Promise.race([more, closed]);
      if (socket.destroyed && !re.test(text))
        throw new Error(`closed before ${re}: ${JSON.stringify(text.slice(0, 300))}`);
    }
    return text;
  };
  return { socket, received: () => text, waitFor, closed };
}

test("a request with two Host headers is a 400", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY] });
  const c = await raw(s.port);
  c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n");
  const text = await c.waitFor(/\r\n\r\n[\s\S]*\}/);
  assert.match(text, /^HTTP\/1\.1 400 /);
  assert.match(text, /more than one Host header/);
  c.socket.destroy();
});

test("a request with more than 1,000 headers is a 431, with 1,000 it is served", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY] });
  const head = (n: number) =>
    `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: n - 1 }, (_, i) => `x-h${i}: v\r\n`).join("")}\r\n`;
  const many = await raw(s.port);
  many.socket.write(head(1001));
  assert.match(await many.waitFor(/\r\n\r\n[\s\S]*\}/), /^HTTP\/1\.1 431 [\s\S]*more than 1000 headers/);
  many.socket.destroy();
  const fine = await raw(s.port);
  fine.socket.write(head(1000));
  assert.match(await fine.waitFor(/\r\n\r\n/), /^HTTP\/1\.1 200 /);
  fine.socket.destroy();
});

test("Expect: 100-continue with a wrong key gets the 401 and never a 100 Continue; with the right key the 100 comes first", async (t) => {
  const fake = await startFake(t, (_r, res) => sendJson(res, 200, chatCompletion()));
  const s = await startServer(t, {
    apiKeys: [CLIENT_KEY],
    openaiCompatibility: [compat("local", `${fake.url}/v1`, ["ko"], [{ name: "llama-3" }])],
  });
  const body = JSON.stringify({ model: "llama-3", messages: [{ role: "user", content: "hi" }] });
  const head = (key: string) =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`;
  const wrong = await raw(s.port);
  wrong.socket.write(head("sk-wrong"));
  const text = await wrong.waitFor(/\r\n\r\n[\s\S]*\}/);
  assert.match(text, /^HTTP\/1\.1 401 /);
  assert.doesNotMatch(text, /100 Continue/);
  wrong.socket.destroy();
  const right = await raw(s.port);
  right.socket.write(head(CLIENT_KEY));
  await right.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
  right.socket.write(body);
  assert.match(await right.waitFor(/HTTP\/1\.1 200 [\s\S]*\r\n\r\n[\s\S]*\}/), /"hi"/);
  right.socket.destroy();
});

for (const [name, key, status] of [
  ["401 (wrong key)", "sk-wrong", 401],
  ["413 (declared size over body-limit)", CLIENT_KEY, 413],
] as const) {
  test(`a ${name} on a 10 GB declared body closes the connection instead of reading the body`, async (t) => {
    const s = await startServer(t, { apiKeys: [CLIENT_KEY], bodyLimitBytes: 1024 * 1024 });
    const c = await raw(s.port);
    c.socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n`,
    );
    c.socket.write(Buffer.alloc(64 * 1024, 0x20));
    await c.closed; // the server closed: it did not wait for the other 9.99 GB
    assert.match(c.received(), new RegExp(`^HTTP/1\\.1 ${status} [\\s\\S]*connection: close`, "i"));
  });
}

test("a 413 found while reading a body without Content-Length closes the connection too", async (t) => {
  const s = await startServer(t, { apiKeys: [CLIENT_KEY], bodyLimitBytes: 1024 * 1024 });
  const c = await raw(s.port);
  c.socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${CLIENT_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  for (let i = 0; i < 5; i++) c.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  await c.closed;
  assert.match(c.received(), /^HTTP\/1\.1 413 /);
});
