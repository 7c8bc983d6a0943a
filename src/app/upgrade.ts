/**
 * The server's `upgrade` event: a request asking to switch protocols. Amp paths go to the Amp tunnel
 * (amp/upgrade.ts); anything else gets a 404. Refusals get one access-log line, as requests do. Here in
 * the composition root because the kernel (server/listen.ts) knows no feature: start() hands this to listen().
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { ampUpgrade, isAmpUpgradePath } from "../amp/upgrade.js";
import { refuse, UpgradeRefusal } from "../amp/tunnel.js";
import { DOT_SEGMENT, loggablePath } from "../server/dispatch.js";
import type { App } from "../server/handler.js";

/** Builds the `upgrade` listener for `app`. */
export function onUpgrade(app: App): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // The upgraded socket has no listeners left: without this an error would crash the process.
    socket.on("error", () => socket.destroy());
    // Nothing may be read (and lost) before the tunnel pumps bytes: relay() resumes it.
    socket.pause();
    let url: URL;
    try {
      url = new URL(`http://localhost${(req.url ?? "/").startsWith("/") ? req.url : "/"}`);
    } catch {
      url = new URL("http://localhost/");
    }
    const logRefusal = (status: number | undefined) => {
      if (status !== undefined)
        app.log.info(`UPGRADE ${req.method} ${loggablePath(new URL(url.pathname, url))}`, { status });
    };
    if (DOT_SEGMENT.test((req.url ?? "/").split("?")[0])) {
      refuse(socket, new UpgradeRefusal(400, "Request path has dot segments (. or ..); send the path in normal form"));
      return logRefusal(400);
    }
    if (!isAmpUpgradePath(url.pathname)) {
      refuse(socket, new UpgradeRefusal(404, `No WebSocket endpoint at ${url.pathname}`));
      return logRefusal(404);
    }
    void ampUpgrade(req, socket, head, app, url).then(logRefusal);
  };
}
