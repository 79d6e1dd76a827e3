import { handler as checkout } from '../../functions/api/checkout';
import { handler as fulfillOrder } from '../../functions/api/fulfill-order';
import { productWriteSchema } from '../../functions/domain/catalog';
import { addressSchema } from '../../functions/domain/customer';

const product = (description: string) => ({
  name: 'Mug',
  description,
  variants: [{ sku: 'MUG-1', name: 'Mug', price: { amount: 1200, currency: 'USD' } }],
});
const address = { name: 'Ada', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

describe('text fields', () => {
  it.each(['tab\there', 'new\nline', 'bell\u0007', 'del\u007f', 'next line\u0085'])('refuses control characters in a line of text: %j', (name) => {
    expect(addressSchema.safeParse({ ...address, name }).success).toBe(false);
  });

  it('allows tabs and line breaks in a description, but no other control characters', () => {
    expect(productWriteSchema.safeParse(product('Stoneware.\n\tDishwasher safe.\r\n')).success).toBe(true);
    for (const odd of ['esc\u001b[31m', 'bell\u0007', 'del\u007f', 'c1\u009b']) {
      expect(productWriteSchema.safeParse(product(odd)).success).toBe(false);
    }
  });

  it('takes a shipment carrier and tracking number as lines of text', () => {
    const body = fulfillOrder.spec.body!;

    expect(body.safeParse({ carrier: 'UPS', trackingNumber: '1Z999' }).success).toBe(true);
    expect(body.safeParse({ carrier: 'UPS', trackingNumber: '1Z\n999' }).success).toBe(false);
    expect(body.safeParse({ carrier: 'U\u0007PS', trackingNumber: '1Z999' }).success).toBe(false);
  });

  it('takes the checkout payment method in the one pm_… form that card saving takes too', () => {
    const body = checkout.spec.body!;

    expect(body.safeParse({ paymentMethodId: 'pm_card_visa' }).success).toBe(true);
    for (const paymentMethodId of ['card_123', 'pm_', 'pm_x/../cus_1', 'pm_card visa', 'tok_visa']) {
      expect(body.safeParse({ paymentMethodId }).success).toBe(false);
    }
  });
});
