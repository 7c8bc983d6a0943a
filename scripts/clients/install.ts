/**
 * Installs the real client CLIs that test/clients drives, at the versions pinned in pins.json, each into its own
 * folder under .clients/ (git-ignored). They weigh hundreds of MB, so they are not devDependencies.
 * `tsx scripts/clients/install.ts [name …]`: an already installed pin is kept; exit 1 if any install failed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLIENTS_DIR, readPins } from "./pins.ts";

const pins = readPins();
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(pins);
let failed = 0;
for (const name of wanted) {
  const pin = pins[name];
  if (pin === undefined) {
    console.error(`Unknown client "${name}": pins.json names ${Object.keys(pins).join(", ")}`);
    failed++;
    continue;
  }
  const dir = join(CLIENTS_DIR, name);
  const stamp = join(dir, ".pinned");
  const want = `${pin.package}@${pin.version}`;
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want && existsSync(join(dir, pin.bin))) {
    console.log(`${name}: ${want} already installed`);
    continue;
  }
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{"private":true}\n');
  console.log(`${name}: installing ${want} into ${dir}`);
  const r = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", want], {
    cwd: dir,
    stdio: "inherit",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  for (const extra of r.status === 0 ? (pin.also ?? []) : []) {
    // best effort: a platform package installs only on its platform, and the pin's own shim says what is missing
    const x = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", want, extra], {
      cwd: dir,
      stdio: "inherit",
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
    if (x.status !== 0) console.error(`${name}: ${extra} did not install (${pin.note ?? "optional"})`);
  }
  if (r.status === 0 && existsSync(join(dir, pin.bin))) writeFileSync(stamp, want);
  else {
    console.error(`${name}: install of ${want} failed (exit ${r.status}); its tests will skip`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
