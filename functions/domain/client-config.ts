/**
 * What a client (a storefront, an app) needs before its first call: GET /config. Public by
 * design: it holds nothing a browser may not see.
 */
import type * as z from '../shared/zod';
import type { clientConfigSchema } from '../contract/platform';

export type ClientConfig = z.output<typeof clientConfigSchema>;

export const clientConfig = (stripePublishableKey: string | undefined): ClientConfig => ({ stripePublishableKey: stripePublishableKey ?? null });
