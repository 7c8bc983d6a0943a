/**
 * Vertex service-account token files (CLIProxyAPI HEAD a7e3596b7 internal/auth/vertex/vertex_credentials.go,
 * internal/runtime/executor/gemini_vertex_executor.go): a started cliproxy signs an RS256 JWT with the
 * file's key, exchanges it at the key's token_uri (a fake that checks the signature with the public key),
 * caches the access token until it nearly expires, and calls the project/location URL with the bearer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { sendJson, startFake, type Recorded } from "../support/fake-upstream.js";
import { CLIENT_KEY, post, startProxy } from "./e2e-support.js";
import { serviceAccountOf, signAssertion, vertexRoot } from "../../src/oauth/vertex-sa.js";

const ANSWER = {
  candidates: [{ content: { role: "model", parts: [{ text: "hi" }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
};
const REQUEST = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };

function keys(): { privatePem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey };
}

/** A vertex token file as CLIProxyAPI's vertex-import writes it. */
function vertexFile(
  privatePem: string,
  tokenUri: string,
  base: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: "vertex",
    project_id: "proj-v",
    email: "sa@proj-v.iam.gserviceaccount.com",
    location: "europe-west4",
    base_url: base,
    service_account: {
      type: "service_account",
      project_id: "proj-v",
      private_key_id: "kid-1",
      private_key: privatePem,
      client_email: "sa@proj-v.iam.gserviceaccount.com",
      client_id: "1",
      token_uri: tokenUri,
    },
    ...fields,
  };
}

/** Checks the JWT bearer grant a token server received: form, RS256 signature under `publicKey`, claims. */
function checkGrant(r: Recorded, publicKey: KeyObject, tokenUri: string): void {
  assert.equal(r.method, "POST");
  assert.match(String(r.headers["content-type"]), /^application\/x-www-form-urlencoded/);
  const form = new URLSearchParams(r.body.toString());
  assert.equal(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const [h, c, s] = form.get("assertion")!.split(".");
  assert.ok(
    verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, "base64url")),
    "signature verifies with the public key",
  );
  assert.deepEqual(JSON.parse(Buffer.from(h, "base64url").toString()), { alg: "RS256", typ: "JWT", kid: "kid-1" });
  const claims = JSON.parse(Buffer.from(c, "base64url").toString());
  assert.equal(claims.iss, "sa@proj-v.iam.gserviceaccount.com");
  assert.equal(claims.aud, tokenUri);
  assert.equal(claims.scope, "https://www.googleapis.com/auth/cloud-platform");
  assert.equal(claims.exp - claims.iat, 3600);
}

test("vertex service-account file: JWT exchanged at token_uri, bearer on the project/location URL, token cached until near expiry", async (t) => {
  const { privatePem, publicKey } = keys();
  let issued = 0;
  const tokenServer = await startFake(t, (_r, res) =>
    sendJson(res, 200, { access_token: `ya29.sa-token-${++issued}-000000`, expires_in: 3599, token_type: "Bearer" }),
  );
  const vertex = await startFake(t, (_r, res) => sendJson(res, 200, ANSWER));
  const tokenUri = `${tokenServer.url}/token`;
  const p = await startProxy(t, { files: { "vertex-proj-v.json": vertexFile(privatePem, tokenUri, vertex.url) } });

  for (let i = 0; i < 2; i++) {
    const res = await post(`${p.url}/v1beta/models/gemini-2.5-pro:generateContent`, REQUEST);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), ANSWER);
  }
  assert.equal(tokenServer.requests.length, 1, "the second request reuses the cached token");
  assert.equal(tokenServer.requests[0].url, "/token");
  checkGrant(tokenServer.requests[0], publicKey, tokenUri);
  for (const n of [1, 2]) {
    const r = await vertex.nth(n);
    assert.equal(
      r.url,
      "/v1/projects/proj-v/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent",
    );
    assert.equal(r.headers.authorization, "Bearer ya29.sa-token-1-000000");
    assert.equal(r.headers["x-goog-api-key"], undefined);
    assert.deepEqual(r.json, REQUEST);
    assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY));
  }
  // The token and the key never reach the log.
  assert.ok(!p.logs.some((l) => l.includes("ya29.sa-token-1-000000") || l.includes("PRIVATE KEY")));
});

test("vertex service-account file: a token about to expire is minted again; a refused key is a clear 401 naming the token host", async (t) => {
  const { privatePem } = keys();
  let issued = 0;
  let refuse = false;
  const tokenServer = await startFake(t, (_r, res) =>
    refuse
      ? sendJson(res, 400, { error: "invalid_grant", error_description: "Invalid JWT Signature." })
      : sendJson(res, 200, { access_token: `ya29.short-${++issued}-0000000`, expires_in: 30 }),
  );
  const vertex = await startFake(t, (_r, res) => sendJson(res, 200, ANSWER));
  const p = await startProxy(t, {
    files: { "vertex-proj-v.json": vertexFile(privatePem, `${tokenServer.url}/token`, vertex.url) },
  });
  const call = () => post(`${p.url}/v1beta/models/gemini-2.5-pro:generateContent`, REQUEST);
  assert.equal((await call()).status, 200);
  assert.equal((await call()).status, 200);
  assert.equal(tokenServer.requests.length, 2, "a 30 s token is inside the refresh lead: minted per request");
  assert.equal((await vertex.nth(2)).headers.authorization, "Bearer ya29.short-2-0000000");
  refuse = true;
  const bad = await call();
  const text = await bad.text();
  assert.equal(bad.status, 401, text);
  assert.match(
    JSON.parse(text).error.message,
    /Vertex service-account token from "127\.0\.0\.1:\d+" failed: .*400.*check the key/,
  );
  assert.equal(tokenServer.requests.length, 3);
  // A refused key rests the credential like any 401; the server itself keeps answering.
  assert.equal((await fetch(`${p.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status, 200);
});

test("vertex service-account parsing: HEAD's defaults and the missing-field messages", () => {
  const { privatePem } = keys();
  const sa = serviceAccountOf({
    type: "vertex",
    project_id: "p",
    service_account: { client_email: "e@x", private_key: privatePem.replace(/\n/g, "\\n") },
  });
  assert.ok(typeof sa !== "string");
  assert.equal(sa.location, "us-central1");
  assert.equal(sa.tokenUri, "https://oauth2.googleapis.com/token");
  assert.equal(sa.privateKey, privatePem, "literal \\n in a pasted key is repaired");
  assert.equal(signAssertion(sa, 0).split(".").length, 3);
  assert.match(String(serviceAccountOf({ type: "vertex", project_id: "p" })), /service_account/);
  assert.match(String(serviceAccountOf({ project_id: "p", service_account: { private_key: "k" } })), /client_email/);
  assert.match(String(serviceAccountOf({ project_id: "p", service_account: { client_email: "e" } })), /private_key/);
  assert.match(String(serviceAccountOf({ service_account: { client_email: "e", private_key: "k" } })), /project_id/);
  assert.equal(vertexRoot("global"), "https://aiplatform.googleapis.com");
  assert.equal(vertexRoot("us-east5"), "https://us-east5-aiplatform.googleapis.com");
});
