import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Who may talk to the explorer: only a page it served itself, on this
 * machine. The server listens on 127.0.0.1 only; on top of that every
 * request must
 *   - carry the session's token as the first path segment (`/<token>/…`),
 *     so another user of the machine, or a web page guessing ports, cannot
 *     read results or start work;
 *   - name this server in its Host header (127.0.0.1:<port> or
 *     localhost:<port>), which defeats DNS rebinding: a foreign site that
 *     points its own name at 127.0.0.1 still sends its own name;
 *   - not come from another origin: a browser marks cross-site requests
 *     with Origin and Sec-Fetch-Site, and such a request is refused even
 *     when it guessed the token, since the token may have leaked into
 *     a shared screen or a shell history.
 * The token lives in the path rather than a query string or a cookie so
 * that every relative URL of the page (scripts, images, the event stream)
 * carries it without code, and two explorers on different ports never
 * share it (cookies ignore the port).
 */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export type RequestVerdict = { ok: true; path: string } | { ok: false; status: 403; reason: string };

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The hosts a page served by this server names itself with. */
function ownHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * Checks a request against the rules above; on success returns the path
 * after the token (always starting with "/").
 */
export function checkRequest(req: IncomingMessage, token: string, port: number): RequestVerdict {
  const hosts = ownHosts(port);
  const host = (req.headers.host ?? "").toLowerCase();
  if (!hosts.includes(host)) return { ok: false, status: 403, reason: `Host ${JSON.stringify(req.headers.host ?? "")} is not this server` };
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`))
    return { ok: false, status: 403, reason: `cross-origin request from ${origin}` };
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none")
    return { ok: false, status: 403, reason: `cross-site request (Sec-Fetch-Site: ${site})` };
  const url = req.url ?? "/";
  const rest = /^\/([^/?#]*)(.*)$/.exec(url);
  if (!rest || !sameText(rest[1]!, token))
    return { ok: false, status: 403, reason: "missing or wrong token: open the URL the explorer printed" };
  const after = rest[2]!;
  return { ok: true, path: after === "" || after.startsWith("?") ? `/${after}` : after };
}

/**
 * Headers of every response: the page may load only what this server
 * serves (plotly.js needs eval for its WebGL shaders and inline styles for
 * its layout), may not be framed, and sends no referrer (which would
 * carry the token).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cross-Origin-Opener-Policy": "same-origin",
};
