/**
 * Runs every test file under test/ with node:test. Node 20's `--test` takes no globs, so the files are listed
 * here, sorted, portably.
 * The full TAP report goes to test-results.tap (git-ignored; CI keeps it); the terminal gets each failure in
 * full, the skipped tests grouped by the reason they give, and a one-line total, so c8's coverage summary after
 * it is the last thing printed.
 * test/clients/ drives real client CLIs (installed by scripts/clients/install.ts): it runs only with `--clients`
 * (`npm run test:clients`), one file at a time with a longer timeout, and `npm test` leaves it out.
 * `--tap=FILE` writes the TAP report there instead. Other arguments keep the files whose path contains one of them.
 */
import { createWriteStream, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { run } from "node:test";
import { tap } from "node:test/reporters";
import { inspect } from "node:util";

function listTests(dir: string, clients: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === "fixtures" || name === "node_modules") continue;
    if (statSync(path).isDirectory()) {
      if (dir === root && (name === "clients") !== clients) continue;
      out.push(...listTests(path, clients));
    } else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** What node:test reports for one test. */
interface TestEvent {
  name: string;
  nesting: number;
  file?: string;
  line?: number;
  skip?: string | boolean;
  todo?: string | boolean;
  details: { duration_ms: number; type?: string; error?: Error & { cause?: unknown; failureType?: string } };
}

const root = join(import.meta.dirname, "..", "test");
const args = process.argv.slice(2);
const clients = args.includes("--clients");
const tapArg = args.find((a) => a.startsWith("--tap="));
const only = args.filter((a) => a !== "--clients" && a !== tapArg);
const files = listTests(root, clients).filter(
  (f) => only.length === 0 || only.some((o) => relative(process.cwd(), f).includes(o)),
);
const tapFile =
  tapArg?.slice("--tap=".length) ??
  join(import.meta.dirname, "..", clients ? "test-results-clients.tap" : "test-results.tap");
const started = Date.now();
let passed = 0;
const failures: TestEvent[] = [];
const skipped = new Map<string, string[]>();
const where = (e: TestEvent) => (e.file ? `${relative(process.cwd(), e.file)}${e.line ? `:${e.line}` : ""}` : "");

const stream = run({ files, concurrency: clients ? 1 : 2, timeout: clients ? 15 * 60_000 : 180_000 });
stream.on("test:pass", (e: TestEvent) => {
  if (e.details.type === "suite" || (e.nesting === 0 && e.file && e.name === e.file)) return;
  if (e.skip !== undefined && e.skip !== false) {
    const why = typeof e.skip === "string" ? e.skip : "no reason given";
    skipped.set(why, [...(skipped.get(why) ?? []), `${e.name} (${where(e)})`]);
  } else passed++;
});
stream.on("test:fail", (e: TestEvent) => {
  // a suite or file fails because a test inside it did: report the test, not each level above it
  if (e.details.error?.failureType === "subtestsFailed") return;
  failures.push(e);
  process.stdout.write(`✗ ${e.name} (${where(e)})\n`);
});
stream.compose(tap).pipe(createWriteStream(tapFile));
stream.on("end", () => {
  for (const f of failures) {
    const err = f.details.error;
    const cause = err?.cause ?? err;
    process.stdout.write(`\n✗ ${f.name}\n  at ${where(f)}\n${inspect(cause, { depth: 4 }).replace(/^/gm, "  ")}\n`);
  }
  for (const [why, names] of skipped) {
    process.stdout.write(`\n↷ skipped ${names.length}: ${why}\n${names.map((n) => `    ${n}\n`).join("")}`);
  }
  const nSkipped = [...skipped.values()].reduce((n, l) => n + l.length, 0);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `\n${failures.length === 0 ? "✓" : "✗"} ${files.length} files: ${passed} passed, ${failures.length} failed, ${nSkipped} skipped in ${seconds} s (full TAP: ${relative(process.cwd(), tapFile)})\n`,
  );
  process.exitCode = failures.length > 0 ? 1 : 0;
});
