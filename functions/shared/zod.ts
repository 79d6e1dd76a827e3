/**
 * The zod every schema of functions/ is declared with: zod/mini, the same validators and JSON
 * Schema (so zod-openapi builds the document from these very schemas, and only api/openapi loads
 * full zod) without full zod's chainable methods, which cannot be tree-shaken: ~39 KB of a
 * handler that validates instead of ~102 (`npm run bench:cold`). English messages as full zod
 * sets them: mini loads no locale, and the API's 400 details carry them.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export * from 'zod/mini';

/** Full zod's `schema.meta(data)`: a clone of `schema` (its parent, as there) with `data` in the global registry. */
export function withMeta<T extends z.ZodMiniType>(schema: T, data: z.core.GlobalMeta): T {
  const clone = schema.clone();
  z.globalRegistry.add(clone, data);
  return clone;
}
