/**
 * Runs every test file under test/ with node:test and the tap reporter.
 * Node 20's `--test` takes no globs, so the files are listed here, sorted, portably.
 * test/clients/ drives real client CLIs (installed by scripts/clients/install.ts): it runs only with `--clients`
 * (`npm run test:clients`), and `npm test` leaves it out.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { run } from "node:test";
import { tap } from "node:test/reporters";

function listTests(dir: string, clients: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === "fixtures" || name === "node_modules") continue;
    if (statSync(path).isDirectory()) {
      if (dir === root && (name === "clients") !== clients) continue;
      out.push(...listTests(path, clients));
    }
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const root = join(import.meta.dirname, "..", "test");
const args = process.argv.slice(2);
const clients = args.includes("--clients");
const only = args.filter((a) => a !== "--clients");
const files = listTests(root, clients).filter((f) => only.length === 0 || only.some((o) => relative(process.cwd(), f).includes(o)));
let failed = false;
const stream = run({ files, concurrency: 2, timeout: 60_000 });
stream.on("test:fail", () => { failed = true; });
stream.compose(tap).pipe(process.stdout);
stream.on("end", () => { process.exitCode = failed ? 1 : 0; });
