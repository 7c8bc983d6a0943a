import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bridgeAction,
  geminiEndpoint,
  isBridgeRequest,
  requireBridgeAction,
  splitAction,
} from "../../src/amp/bridge.js";
import { HttpError } from "../../src/server/errors.js";

test("bridgeAction() takes the text after /models/ with or without a leading slash", () => {
  assert.equal(
    bridgeAction("publishers/google/models/gemini-2.5-pro:streamGenerateContent"),
    "gemini-2.5-pro:streamGenerateContent",
  );
  assert.equal(bridgeAction("/models/g:generateContent"), "g:generateContent");
  assert.equal(bridgeAction("models"), undefined);
  assert.equal(bridgeAction("publishers/google/models"), undefined);
});

test("splitAction() extracts model and method, and no model without a colon or with a leading one", () => {
  assert.deepEqual(splitAction("gemini-2.5-pro:streamGenerateContent"), {
    model: "gemini-2.5-pro",
    method: "streamGenerateContent",
  });
  assert.deepEqual(splitAction("gemini-2.5-pro"), { model: undefined, method: "" });
  assert.deepEqual(splitAction(":generateContent"), { model: undefined, method: "generateContent" });
});

test("isBridgeRequest() is true only for POSTs naming /models/{model}:…", () => {
  assert.equal(isBridgeRequest("POST", "publishers/google/models/g:generateContent"), true);
  assert.equal(isBridgeRequest("POST", "publishers/google/models/gemini-3-pro-preview"), false);
  assert.equal(isBridgeRequest("GET", "publishers/google/models/g"), false);
  assert.equal(isBridgeRequest("POST", "models"), false);
});

test("requireBridgeAction() answers 400 Invalid Gemini API path format without /models/", () => {
  assert.equal(requireBridgeAction("publishers/google/models/g:countTokens"), "g:countTokens");
  assert.throws(
    () => requireBridgeAction("publishers/google/x"),
    (e: unknown) => {
      assert.ok(e instanceof HttpError);
      assert.equal(e.status, 400);
      assert.deepEqual(e.body, { error: "Invalid Gemini API path format" });
      return true;
    },
  );
});

test("geminiEndpoint() names the local endpoint of each served method", () => {
  assert.equal(geminiEndpoint("generateContent"), "gemini-generate");
  assert.equal(geminiEndpoint("streamGenerateContent"), "gemini-stream");
  assert.equal(geminiEndpoint("countTokens"), "gemini-count-tokens");
  assert.equal(geminiEndpoint("embedContent"), undefined);
});
