/**
 * What a client (a storefront, an app) needs before its first call: GET /config. Public by
 * design: it holds nothing a browser may not see.
 */
import { z } from 'zod';

/** GET /config's answer; `stripePublishableKey` is null when the tenant has none set. */
export const clientConfigSchema = z.strictObject({
  stripePublishableKey: z.string().regex(/^pk_(test|live)_/).nullable(),
});
export type ClientConfig = z.infer<typeof clientConfigSchema>;

export const clientConfig = (stripePublishableKey: string | undefined): ClientConfig => ({ stripePublishableKey: stripePublishableKey ?? null });
