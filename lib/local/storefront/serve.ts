import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ServerResponse } from 'node:http';

/**
 * The local storefront: static files (plain HTML and JavaScript modules, no build step) that the
 * local gateway serves at `/` and `/storefront/…`. It calls the public API only, like any client
 * (on AWS a merchant hosts their own storefront; nothing here is deployed).
 */
const DIRECTORY = import.meta.dirname;
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The servable files by URL path, read once: only what is in this folder, so no path can reach outside it. */
const FILES = new Map(
  readdirSync(DIRECTORY)
    .filter((name) => TYPES[extname(name)])
    .map((name) => [name === 'index.html' ? '/' : `/storefront/${name}`, join(DIRECTORY, name)] as const),
);

/** Answers a GET for one of the storefront's files; false when the path is not one. */
export function serveStorefront(method: string | undefined, pathname: string, res: ServerResponse, requestId: string): boolean {
  const file = method === 'GET' || method === 'HEAD' ? FILES.get(pathname) : undefined;
  if (!file) return false;
  const body = readFileSync(file); // read per request, so an edited page shows on reload
  res.writeHead(200, {
    'content-type': TYPES[extname(file)]!,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-request-id': requestId,
    // The page talks to this origin only; Stripe.js (js.stripe.com) only when a real key is configured.
    'content-security-policy':
      "default-src 'self'; script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; img-src 'self' data:",
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}
