/**
 * Password authentication: md5 (`md5` + md5(md5(password + user) + salt)) and SCRAM-SHA-256
 * (RFC 5802 / RFC 7677, without channel binding: gs2 header `n,,`). The server's final signature is
 * checked, so a server that does not know the password cannot pretend it does.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

/** The md5 password message for `user` and the server's 4-byte salt. */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash("md5")
    .update(password + user)
    .digest("hex");
  return "md5" + createHash("md5").update(inner).update(salt).digest("hex");
}

/** One SCRAM-SHA-256 exchange: first(), then final(serverFirst), then verify(serverFinal). */
export class ScramSession {
  readonly #nonce = randomBytes(18).toString("base64");
  #expected?: Buffer;

  constructor(private readonly password: string) {}

  /** client-first-message (the user name is taken from the startup message, so `n=*`). */
  first(): string {
    return `n,,${this.bare()}`;
  }

  private bare(): string {
    return `n=*,r=${this.#nonce}`;
  }

  /** client-final-message for the server-first-message. */
  async final(serverFirst: string): Promise<string> {
    const attrs = new Map(serverFirst.split(",").map((p) => [p.slice(0, 1), p.slice(2)] as [string, string]));
    const nonce = attrs.get("r") ?? "";
    const salt = Buffer.from(attrs.get("s") ?? "", "base64");
    const iterations = Number(attrs.get("i"));
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length)
      throw new Error("SCRAM: the server's nonce does not extend ours");
    if (!salt.length || !Number.isInteger(iterations) || iterations < 1)
      throw new Error("SCRAM: the server sent no salt or iteration count");
    const salted = await pbkdf2Async(this.password.normalize("NFKC"), salt, iterations, 32, "sha256");
    const clientKey = hmac(salted, "Client Key");
    const storedKey = createHash("sha256").update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.bare()},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
    this.#expected = hmac(hmac(salted, "Server Key"), authMessage);
    return `${withoutProof},p=${proof.toString("base64")}`;
  }

  /** Checks the server-final-message's signature; throws when it is wrong. */
  verify(serverFinal: string): void {
    const v = /(?:^|,)v=([^,]*)/.exec(serverFinal)?.[1];
    const got = Buffer.from(v ?? "", "base64");
    if (!this.#expected || got.length !== this.#expected.length || !timingSafeEqual(got, this.#expected)) {
      throw new Error("SCRAM: the server's signature is wrong (it does not know the password)");
    }
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}
