import { createHash } from 'node:crypto';

/**
 * Stripe's test payment methods (docs.stripe.com/testing) that the local server knows. Passing a
 * token such as `pm_card_visa` anywhere a PaymentMethod id goes creates a fresh `pm_…` with that
 * card, as Stripe does; the card's behaviour is then looked up by its brand and last4, so a saved
 * card keeps behaving like the test card it came from.
 */
export interface TestCard {
  readonly token: string;
  readonly brand: 'visa' | 'mastercard' | 'amex' | 'discover';
  readonly last4: string;
  readonly funding: 'credit' | 'debit';
  /**
   * 'always': every payment and setup needs 3-D Secure, even off-session ones.
   * 'unless_set_up': setting the card up needs it, and so does every payment until a SetupIntent
   * has set it up; after that no payment does (4000002500003155).
   */
  readonly authentication: 'always' | 'unless_set_up' | 'never';
  /** Set when the issuer declines the charge (after authentication, if any). */
  readonly decline?: { readonly code: string; readonly declineCode: string; readonly message: string };
  /**
   * Whether a declining card can still be attached to a customer. Stripe checks a card when it is
   * attached or set up, so its decline cards fail there too; only 4000000000000341
   * (`pm_card_chargeCustomerFail`) attaches and then fails every charge.
   */
  readonly attachable?: true;
}

const declined = (declineCode: string, message = 'Your card was declined.', code = 'card_declined') => ({
  code,
  declineCode,
  message,
});

const CARDS: readonly TestCard[] = [
  { token: 'pm_card_visa', brand: 'visa', last4: '4242', funding: 'credit', authentication: 'never' },
  { token: 'pm_card_visa_debit', brand: 'visa', last4: '5556', funding: 'debit', authentication: 'never' },
  { token: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', funding: 'credit', authentication: 'never' },
  { token: 'pm_card_mastercard_debit', brand: 'mastercard', last4: '8210', funding: 'debit', authentication: 'never' },
  { token: 'pm_card_amex', brand: 'amex', last4: '8431', funding: 'credit', authentication: 'never' },
  { token: 'pm_card_discover', brand: 'discover', last4: '1117', funding: 'credit', authentication: 'never' },
  {
    token: 'pm_card_chargeDeclined',
    brand: 'visa',
    last4: '0002',
    funding: 'credit',
    authentication: 'never',
    decline: declined('generic_decline'),
  },
  {
    token: 'pm_card_visa_chargeDeclined',
    brand: 'visa',
    last4: '0002',
    funding: 'credit',
    authentication: 'never',
    decline: declined('generic_decline'),
  },
  {
    token: 'pm_card_chargeCustomerFail',
    brand: 'visa',
    last4: '0341',
    funding: 'credit',
    authentication: 'never',
    decline: declined('generic_decline'),
    attachable: true,
  },
  {
    token: 'pm_card_chargeDeclinedInsufficientFunds',
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    authentication: 'never',
    decline: declined('insufficient_funds', 'Your card has insufficient funds.'),
  },
  {
    token: 'pm_card_chargeDeclinedLostCard',
    brand: 'visa',
    last4: '9987',
    funding: 'credit',
    authentication: 'never',
    decline: declined('lost_card'),
  },
  {
    token: 'pm_card_chargeDeclinedStolenCard',
    brand: 'visa',
    last4: '9979',
    funding: 'credit',
    authentication: 'never',
    decline: declined('stolen_card'),
  },
  {
    token: 'pm_card_chargeDeclinedExpiredCard',
    brand: 'visa',
    last4: '0069',
    funding: 'credit',
    authentication: 'never',
    decline: declined('expired_card', 'Your card has expired.', 'expired_card'),
  },
  {
    token: 'pm_card_chargeDeclinedIncorrectCvc',
    brand: 'visa',
    last4: '0127',
    funding: 'credit',
    authentication: 'never',
    decline: declined('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc'),
  },
  {
    token: 'pm_card_chargeDeclinedProcessingError',
    brand: 'visa',
    last4: '0119',
    funding: 'credit',
    authentication: 'never',
    decline: declined('processing_error', 'An error occurred while processing your card. Try again in a little bit.', 'processing_error'),
  },
  { token: 'pm_card_authenticationRequired', brand: 'visa', last4: '3184', funding: 'credit', authentication: 'always' },
  { token: 'pm_card_threeDSecure2Required', brand: 'visa', last4: '3220', funding: 'credit', authentication: 'always' },
  { token: 'pm_card_authenticationRequiredOnSetup', brand: 'visa', last4: '3155', funding: 'credit', authentication: 'unless_set_up' },
  {
    token: 'pm_card_authenticationRequiredChargeDeclinedInsufficientFunds',
    brand: 'visa',
    last4: '3178',
    funding: 'credit',
    authentication: 'always',
    decline: declined('insufficient_funds', 'Your card has insufficient funds.'),
  },
];

const byToken = new Map(CARDS.map((card) => [card.token, card]));
const byNumber = new Map(CARDS.map((card) => [`${card.brand}/${card.last4}`, card]));

export function testCardForToken(token: string): TestCard | undefined {
  return byToken.get(token);
}

/** Whether Stripe's card check, when the card is attached or set up, refuses it. */
export function refusedOnAttach(card: TestCard): boolean {
  return card.decline !== undefined && !card.attachable;
}

export function testCardFor(brand: string, last4: string): TestCard | undefined {
  return byNumber.get(`${brand}/${last4}`);
}

/** The same card number always has the same fingerprint, as on one Stripe account. */
export function fingerprintOf(card: TestCard): string {
  return createHash('sha256').update(`${card.brand}/${card.last4}`).digest('base64url').slice(0, 16);
}
