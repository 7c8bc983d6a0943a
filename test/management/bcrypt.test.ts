import { test } from "node:test";
import assert from "node:assert/strict";
import { bcryptHash, bcryptVerify, isBcryptHash } from "../../src/management/bcrypt.js";

// Produced by bcryptjs 2.x (the same algorithm as golang.org/x/crypto/bcrypt, which CLIProxyAPI uses).
const VECTORS: Array<[string, string]> = [
  ["password", "$2a$04$EJTm7x/tadrWeYW15DO8LeDT5NQwKiBqx4W4sGIAh9vpXFOpD.0vC"],
  ["", "$2a$04$eSjYJZyDq21k64PeiPwyUOJ7qDot634qEjvvYro3PxGanO.J1prPC"],
  ["U*U", "$2a$05$P.tT.Wm18em/s3D0YMhM7OcMeEEetnUX6c66fNCB.Rgl4TFewo7di"],
  ["a-much-longer-management-secret-with-ünïcode", "$2a$04$.zLsqYu/TiBNU7HiKPjWDu5DZ/hvuWqaZRoi2yg56RBGuNzLl0MRO"],
  ["x".repeat(80), "$2a$04$hitvJbVx2znZVgkK10FnV.WYrk.WjRQWyJwAcCE9nn7DIbsoriq9G"],
];

test("bcryptVerify() accepts the reference hashes and rejects a wrong password", () => {
  for (const [pw, hash] of VECTORS) {
    assert.equal(bcryptVerify(pw, hash), true, pw);
    assert.equal(bcryptVerify(pw + "!", hash), pw.length >= 72, `${pw}! (only bytes past 72 are ignored)`);
  }
  assert.equal(bcryptVerify("password", VECTORS[0][1].replace("$2a$", "$2b$")), true, "$2b$ is the same algorithm");
});

test("bcryptHash() produces hashes that verify and embed the salt and cost", () => {
  const salt = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
  const h = bcryptHash("s3cret", 4, salt);
  assert.match(h, /^\$2a\$04\$[./A-Za-z0-9]{53}$/);
  assert.equal(bcryptHash("s3cret", 4, salt), h, "same salt, same hash");
  assert.equal(bcryptVerify("s3cret", h), true);
  assert.equal(bcryptVerify("s3creT", h), false);
  assert.equal(isBcryptHash(h), true);
  assert.throws(() => bcryptHash("x", 3), /cost must be 4–31/);
});

test("bcryptVerify() and isBcryptHash() refuse malformed hashes", () => {
  for (const bad of ["", "plain-text", "$2a$04$short", "$2x$04$" + "a".repeat(53), "$2a$99$" + "a".repeat(53)]) {
    assert.equal(bcryptVerify("x", bad), false, bad);
  }
  assert.equal(isBcryptHash("plain"), false);
});
