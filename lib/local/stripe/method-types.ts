import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import { nested, optionalEnum, stringList, type Params } from './params';

/**
 * Which payment method types an intent accepts, under the API version the installed SDK speaks
 * (2026 "endive"): `payment_method_types` is no longer writable; `allowed_payment_method_types`
 * filters to the compatible types (here: card, the only one that exists locally) and excludes
 * `automatic_payment_methods`; naming neither means dynamic payment methods, which may redirect
 * and therefore need a return_url to confirm.
 */
export interface MethodTypes {
  readonly automatic_payment_methods: Stripe.PaymentIntent.AutomaticPaymentMethods | null;
  readonly allowed_payment_method_types: ['card'] | null;
  readonly payment_method_types: ['card'];
}

export function methodTypesOf(params: Params): MethodTypes {
  if (params['payment_method_types'] !== undefined) {
    throw invalidRequest(
      'payment_method_types is no longer supported on this API version; use allowed_payment_method_types or automatic_payment_methods.',
      'payment_method_types_no_longer_supported',
      'payment_method_types',
    );
  }
  const allowed = stringList(params, 'allowed_payment_method_types');
  const automatic = nested(params, 'automatic_payment_methods');
  if (allowed.length > 0) {
    if (automatic) throw invalidRequest('You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods.');
    if (!allowed.includes('card')) {
      throw invalidRequest('None of the allowed_payment_method_types is available (the local Stripe server has cards only).', undefined, 'allowed_payment_method_types');
    }
    return { automatic_payment_methods: null, allowed_payment_method_types: ['card'], payment_method_types: ['card'] };
  }
  const allowRedirects = automatic ? optionalEnum(automatic, 'allow_redirects', ['always', 'never']) : undefined;
  return {
    automatic_payment_methods: { enabled: true, allow_redirects: allowRedirects ?? 'always' },
    allowed_payment_method_types: null,
    payment_method_types: ['card'],
  };
}

/** Confirming an intent that may use redirect-based methods needs a return_url, even for a card. */
export function requireReturnUrlForRedirects(
  automatic: { enabled: boolean | null; allow_redirects?: string } | null,
  returnUrl: string | undefined,
): void {
  if (!automatic?.enabled || automatic.allow_redirects === 'never' || returnUrl) return;
  throw invalidRequest(
    'This PaymentIntent is configured to accept payment methods enabled in your Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents. If you do want to accept redirect-based payment methods, set the `return_url` parameter when confirming a PaymentIntent or SetupIntent.',
  );
}
