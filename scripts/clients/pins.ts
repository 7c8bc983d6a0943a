/** The pinned real client CLIs (pins.json) and where scripts/clients/install.ts puts them. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One pinned client: its npm package, version, and the binary's path inside its install folder. */
export interface ClientPin {
  readonly package: string;
  readonly version: string;
  readonly bin: string;
  /** Packages installed beside it, best effort (a platform binary the registry lacks at the pinned version). */
  readonly also?: readonly string[];
  /** Why `also` is there. */
  readonly note?: string;
}

/** The git-ignored folder the clients are installed into, one sub-folder per pin. */
export const CLIENTS_DIR = join(import.meta.dirname, "..", "..", ".clients");

/** Reads pins.json. */
export function readPins(): Record<string, ClientPin> {
  return JSON.parse(readFileSync(join(import.meta.dirname, "pins.json"), "utf8")) as Record<string, ClientPin>;
}

/** The installed binary of a pinned client, or undefined (with the reason) when it is not installed. */
export function clientBin(name: string): { bin?: string; why?: string } {
  const pin = readPins()[name];
  if (pin === undefined) return { why: `no pin named "${name}" in scripts/clients/pins.json` };
  const bin = join(CLIENTS_DIR, name, pin.bin);
  if (!existsSync(bin)) return { why: `${pin.package}@${pin.version} is not installed: run npm run clients:install` };
  return { bin };
}
