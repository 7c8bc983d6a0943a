/**
 * nginx as the reference reverse proxy: one worker, buffering off (so SSE flows event by event),
 * keep-alive to the upstream, loopback only, every path (pid, logs, temp dirs) inside a temp dir.
 * Absent nginx is a note, not a failure: `apt-get update && apt-get install -y nginx` adds it.
 */
import { access, constants, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { childPids, killIfStill, onCleanup, spawnTracked, stop, waitHttp } from "./procs.js";

/** How to get nginx, shown when it is missing. */
export const NGINX_HINT =
  "nginx not found; install it with `apt-get update && apt-get install -y nginx` (Debian/Ubuntu) to compare against it";

/** The nginx binary on PATH or in /usr/sbin, or undefined. */
export async function findNginx(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, "nginx");
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** The nginx.conf text for a proxy on `port` in front of `upstreamPort`. */
export function nginxConf(o: { dir: string; port: number; upstreamPort: number; root: boolean }): string {
  return `# Written by scripts/bench/nginx.ts for one bench run.
${o.root ? "user root;\n" : ""}worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log ${o.dir}/access.log;
  client_body_temp_path ${o.dir}/client_body;
  proxy_temp_path ${o.dir}/proxy;
  fastcgi_temp_path ${o.dir}/fastcgi;
  uwsgi_temp_path ${o.dir}/uwsgi;
  scgi_temp_path ${o.dir}/scgi;
  client_max_body_size 64m;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  upstream fake {
    server 127.0.0.1:${o.upstreamPort};
    keepalive 256;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${o.port};
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
`;
}

/** A running nginx. */
export interface Nginx {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground; throws with nginx's own words when it will not start. */
export async function startNginx(bin: string, o: { dir: string; port: number; upstreamPort: number }): Promise<Nginx> {
  const conf = join(o.dir, "nginx.conf");
  await writeFile(conf, nginxConf({ ...o, root: process.getuid?.() === 0 }));
  const child = spawnTracked(bin, ["-p", o.dir, "-c", conf, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    if (stderr.length < 4096) stderr += c.toString();
  });
  const ready = await waitHttp(`http://127.0.0.1:${o.port}/__bench/health`, { timeoutMs: 10_000, child });
  if (!ready) {
    await stop(child, 1_000);
    throw new Error(`nginx did not start: ${stderr.trim().split("\n").pop() ?? "no output"}`);
  }
  const workers = await childPids(child.pid!);
  // Killing the master outright (SIGINT of the bench) would orphan its worker: end it by pid too.
  const forget = onCleanup(() => workers.forEach((pid) => killIfStill(pid, "nginx: worker")));
  return {
    port: o.port,
    child,
    // SIGTERM is nginx's fast shutdown (SIGQUIT would wait on kept-alive connections); with daemon
    // off the master waits for its worker. Should the master need SIGKILL, its worker would be
    // orphaned, so it is ended by pid too.
    async stop() {
      await stop(child, 3_000, "SIGTERM");
      for (const pid of workers) killIfStill(pid, "nginx: worker");
      forget();
    },
  };
}
