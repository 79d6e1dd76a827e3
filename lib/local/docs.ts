/**
 * GET /docs: a page that renders GET /openapi.json with Swagger UI, served from the
 * swagger-ui-dist package in node_modules, so it works offline (no CDN). Local only: on AWS the
 * API serves /openapi.json (a Lambda route like any other) and no /docs, since serving a 1.5 MB
 * viewer from Lambda through API Gateway is the wrong tool and a CDN-loaded page would break
 * the offline rule; point any OpenAPI viewer (or this stack's /docs) at a stage's /openapi.json.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const DOCS_PATH = '/docs';

/** The viewer's files the page loads, and nothing else of the package. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const assetDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Crowdstart API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true });
  </script>
</body>
</html>
`;

/** Answers GET /docs and its assets; false when `path` is not one of them. */
export async function serveDocs(method: string, path: string, res: ServerResponse, requestId: string): Promise<boolean> {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const asset = path.startsWith(`${DOCS_PATH}/`) ? path.slice(DOCS_PATH.length + 1) : undefined;
  if (path !== DOCS_PATH && path !== `${DOCS_PATH}/` && !(asset && asset in ASSETS)) return false;
  const [type, body] = asset ? [ASSETS[asset]!, await readFile(join(assetDir(), asset))] : ['text/html; charset=utf-8', PAGE];
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-request-id': requestId });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}
