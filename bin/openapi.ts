/**
 * `npm run openapi [-- <file> | -]`: writes the OpenAPI 3.1 document of the HTTP API (built from
 * functions/contract/, the same one GET /openapi.json serves) to dist/openapi.json, the file
 * given, or stdout for `-`. No stack, network or AWS account needed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openApiDocument } from '../functions/contract/openapi';

const target = process.argv[2] ?? 'dist/openapi.json';
const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
if (target === '-') {
  process.stdout.write(text);
} else {
  const file = resolve(target);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`OpenAPI document written to ${file}`);
}
