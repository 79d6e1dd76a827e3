/**
 * The storefront: catalog and search, cart with its holds, demo sign-in, checkout with a test or
 * saved card, 3-D Secure by redirect (Stripe's `next_action.redirect_to_url`) and back to the
 * tenant's return_url (this page, `?order=<id>`), and order history. Public API only: this is the
 * reference client. Stripe.js is loaded only when GET /config names a real publishable key; with
 * the local Stripe server (`pk_test_local…`) nothing is loaded from the internet.
 */
import { apiClient, ApiError, money } from './api.js';

const SESSION_KEY = 'crowdstart.session';
/** Stripe's test payment methods (docs.stripe.com/testing); both Stripe and the local server know them. */
const TEST_CARDS = [
  ['pm_card_visa', 'Test Visa •••• 4242, pays'],
  ['pm_card_authenticationRequired', 'Test Visa •••• 3184, needs 3-D Secure'],
  ['pm_card_mastercard', 'Test Mastercard •••• 4444, pays'],
  ['pm_card_chargeDeclined', 'Test Visa •••• 0002, declined'],
  ['pm_card_chargeDeclinedInsufficientFunds', 'Test Visa •••• 9995, insufficient funds'],
];
/** Statuses in which the payment is still under way: the order page polls until the order leaves them. */
const SETTLING = ['PENDING', 'REQUIRES_ACTION'];
const POLL_MS = 1000;
const DEMO_ADDRESS = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

const session = {
  read: () => JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null'),
  save: (value) => (value ? localStorage.setItem(SESSION_KEY, JSON.stringify(value)) : localStorage.removeItem(SESSION_KEY)),
  token() {
    const current = session.read();
    return current && current.expiresAt > Date.now() ? current.token : undefined;
  },
};
const api = apiClient(session.token);
const view = document.getElementById('view');
let stripe; // Stripe.js, when a real publishable key is configured
let stopTimers = () => {};

// --- a few DOM helpers: every text goes in as text, never as HTML ---------------------------------

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== false) element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null));
  return element;
}

function say(text, kind = 'info') {
  const box = document.getElementById('message');
  box.textContent = text ?? '';
  box.className = kind;
  box.hidden = !text;
}

function navigate(search) {
  history.pushState(null, '', `/${search}`);
  render();
}

/** Runs an action and shows its error; the contract's error message is written for people. */
async function attempt(action) {
  try {
    say('');
    await action();
  } catch (error) {
    say(error instanceof ApiError ? `${error.message} (${error.code})` : String(error), 'error');
  }
}

// --- views ----------------------------------------------------------------------------------------

async function render() {
  stopTimers();
  renderAccount();
  const params = new URLSearchParams(location.search);
  document.getElementById('search-q').value = params.get('q') ?? '';
  await attempt(async () => {
    if (params.get('order')) return await renderOrder(params.get('order'), params);
    if (params.get('view') === 'cart') return await renderCart();
    if (params.get('view') === 'orders') return await renderOrders();
    return await renderCatalog(params.get('q'), params.get('cursor'));
  });
}

function renderAccount() {
  const account = document.getElementById('account');
  const current = session.token() && session.read();
  if (current) {
    account.replaceChildren(
      h('span', { id: 'signed-in-as' }, `Signed in as ${current.customer}`),
      ' ',
      h('button', { type: 'button', id: 'sign-out', onclick: () => (session.save(null), render()) }, 'Sign out'),
    );
    return;
  }
  const input = h('input', { id: 'customer', placeholder: 'demo customer, e.g. alice', 'aria-label': 'Customer', required: true, pattern: '[A-Za-z0-9_-]{1,64}' });
  account.replaceChildren(
    h(
      'form',
      { id: 'sign-in-form', onsubmit: (event) => (event.preventDefault(), attempt(() => signIn(input.value))) },
      input,
      h('button', { id: 'sign-in' }, 'Sign in'),
    ),
  );
}

/** The local identity provider's demo sign-in (a customer token for a name); on AWS, the tenant's own sign-in. */
async function signIn(customer) {
  const { token, expiresIn } = await api.post('/auth/demo-token', { customer });
  session.save({ customer, token, expiresAt: Date.now() + expiresIn * 1000 });
  await render();
}

async function renderCatalog(q, cursor) {
  const page = q
    ? await api.get(`/search?${new URLSearchParams({ q, limit: '24' })}`)
    : await api.get(`/products?${new URLSearchParams({ limit: '24', ...(cursor ? { cursor } : {}) })}`);
  const more = page.nextCursor && h('a', { href: `/?cursor=${encodeURIComponent(page.nextCursor)}`, 'data-nav': true }, 'More products');
  view.replaceChildren(
    h('h2', {}, q ? `Results for “${q}”` : 'Catalog'),
    page.items.length ? h('div', { class: 'grid' }, page.items.map(productCard)) : h('p', {}, 'Nothing found.'),
    h('p', {}, more),
  );
}

function productCard(product) {
  const select = h('select', { 'aria-label': 'Variant' }, product.variants.map((v) => h('option', { value: v.sku }, `${v.name} · ${money(v.price)} · ${v.available} left`)));
  const add = () =>
    attempt(async () => {
      if (!session.token()) throw new Error('Sign in first (top right) to fill a cart.');
      await api.post('/cart/items', { sku: select.value, quantity: 1 });
      say(`Added ${product.name}. It is held for you: see the cart for how long.`);
    });
  return h(
    'article',
    { class: 'card', 'data-product': product.id },
    h('h3', {}, product.name),
    h('p', {}, product.description),
    select,
    h('button', { type: 'button', class: 'add', 'data-sku': product.variants[0]?.sku, onclick: add }, 'Add to cart'),
  );
}

async function renderCart() {
  if (!session.token()) return view.replaceChildren(h('p', {}, 'Sign in to see your cart.'));
  const [cart, cards] = await Promise.all([api.get('/cart'), api.get('/me/payment-methods')]);
  if (!cart.items.length) return view.replaceChildren(h('h2', {}, 'Cart'), h('p', {}, 'Your cart is empty.'));
  const expiries = cart.items.map((line) => h('span', { class: 'hold-expiry', 'data-sku': line.sku }));
  const tick = () => expiries.forEach((span, i) => (span.textContent = holdText(cart.items[i].holdExpiresAt)));
  tick();
  const timer = setInterval(tick, 1000);
  stopTimers = () => clearInterval(timer);
  view.replaceChildren(
    h('h2', {}, 'Cart'),
    h(
      'table',
      {},
      h('tr', {}, h('th', {}, 'Item'), h('th', {}, 'Qty'), h('th', {}, 'Price'), h('th', {}, 'Held'), h('th', {})),
      cart.items.map((line, i) => cartLine(line, expiries[i])),
    ),
    h('p', { class: 'price' }, `Subtotal ${money(cart.subtotal)}`),
    checkoutForm(cards.items),
    saveCardForm(),
  );
}

function holdText(holdExpiresAt) {
  const left = Math.max(0, Math.round((Date.parse(holdExpiresAt) - Date.now()) / 1000));
  const until = new Date(holdExpiresAt).toLocaleTimeString();
  return left ? `for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} (until ${until})` : `expired at ${until}`;
}

function cartLine(line, expiry) {
  const quantity = h('input', { type: 'number', min: '1', max: '99', value: String(line.quantity), 'aria-label': 'Quantity', class: 'quantity' });
  const update = () => attempt(async () => (await api.patch(`/cart/items/${encodeURIComponent(line.sku)}`, { quantity: Number(quantity.value) }), render()));
  const remove = () => attempt(async () => (await api.delete(`/cart/items/${encodeURIComponent(line.sku)}`), render()));
  return h(
    'tr',
    {},
    h('td', {}, line.name, line.unavailable ? ' (no longer sold)' : ''),
    h('td', {}, quantity, ' ', h('button', { type: 'button', onclick: update }, 'Update')),
    h('td', {}, money(line.unitPrice), line.previousUnitPrice ? ` (was ${money(line.previousUnitPrice)})` : ''),
    h('td', {}, expiry),
    h('td', {}, h('button', { type: 'button', onclick: remove }, 'Remove')),
  );
}

function checkoutForm(savedCards) {
  // One key for every retry of this checkout (a double click, a lost answer): one order, one charge.
  const idempotencyKey = crypto.randomUUID();
  const fields = Object.fromEntries(
    ['name', 'line1', 'city', 'postalCode', 'country'].map((name) => [name, h('input', { name, value: DEMO_ADDRESS[name], required: true })]),
  );
  const options = [
    ...savedCards.map((card) => [card.id, `Saved ${card.brand} •••• ${card.last4} (${card.expMonth}/${card.expYear})`]),
    ...TEST_CARDS,
    ...(stripe ? [['new', 'A new card (Stripe.js)']] : []),
  ];
  const method = h('select', { id: 'payment-method', 'aria-label': 'Payment method' }, options.map(([value, label]) => h('option', { value }, label)));
  const cardElement = stripe && h('div', { id: 'card-element' });
  const card = stripe && stripe.elements().create('card');
  const submit = (event) => {
    event.preventDefault();
    attempt(async () => {
      const paymentMethodId = method.value === 'new' ? await newCard(card) : method.value;
      const shippingAddress = Object.fromEntries(Object.entries(fields).map(([name, input]) => [name, input.value]));
      const order = await api.post('/checkout', { paymentMethodId, shippingAddress }, { idempotencyKey });
      navigate(`?order=${encodeURIComponent(order.id)}`);
    });
  };
  const form = h(
    'form',
    { id: 'checkout-form', onsubmit: submit },
    h('fieldset', {}, h('legend', {}, 'Ship to'), Object.entries(fields).map(([name, input]) => h('label', {}, `${name} `, input))),
    h('fieldset', {}, h('legend', {}, 'Pay with'), method, cardElement),
    h('button', { id: 'checkout' }, 'Place order'),
  );
  if (card) queueMicrotask(() => card.mount(cardElement));
  return form;
}

/** A card typed into Stripe.js's Card Element becomes a `pm_…` that checkout takes like a saved one. */
async function newCard(card) {
  const { paymentMethod, error } = await stripe.createPaymentMethod({ type: 'card', card });
  if (error) throw new Error(error.message);
  return paymentMethod.id;
}

function saveCardForm() {
  const method = h('select', { id: 'save-card-method', 'aria-label': 'Card to save' }, TEST_CARDS.map(([value, label]) => h('option', { value }, label)));
  const save = (event) => {
    event.preventDefault();
    attempt(async () => {
      // A card that needs 3-D Secure to be saved comes back here after the bank's page.
      const saved = await api.post('/me/payment-methods', { paymentMethodId: method.value, returnUrl: location.href });
      if (saved.status === 'requires_action' && saved.redirectUrl) return location.assign(saved.redirectUrl);
      await render();
      say(`Saved ${saved.brand} •••• ${saved.last4}.`);
    });
  };
  return h('form', { id: 'save-card-form', onsubmit: save }, h('fieldset', {}, h('legend', {}, 'Save a card for later'), method, ' ', h('button', {}, 'Save card')));
}

async function renderOrder(orderId, params) {
  if (!session.token()) return view.replaceChildren(h('p', {}, 'Sign in to see this order.'));
  const order = await api.get(`/orders/${encodeURIComponent(orderId)}`);
  if (new URLSearchParams(location.search).get('order') !== orderId) return; // the customer went elsewhere meanwhile
  view.replaceChildren(orderDetails(order, params));
  if (!SETTLING.includes(order.status)) return;
  if (order.status === 'REQUIRES_ACTION') await authenticate(order, params);
  // The payment's outcome arrives by Stripe's webhook: poll until the order leaves PENDING / REQUIRES_ACTION.
  const timer = setTimeout(() => attempt(() => renderOrder(orderId, params)), POLL_MS);
  stopTimers = () => clearTimeout(timer);
}

/**
 * 3-D Secure: the browser goes to the bank's page (next_action.redirect_to_url), which comes back
 * to `?order=<id>&payment_intent=…`. Once per order and page visit, so the back button does not
 * loop; the page keeps a link. Without a redirect, Stripe.js finishes the step in page.
 */
async function authenticate(order, params) {
  const { nextAction, clientSecret } = order.payment;
  const sentKey = `crowdstart.authentication.${order.id}`;
  if (params.get('payment_intent') || sessionStorage.getItem(sentKey)) return;
  sessionStorage.setItem(sentKey, 'sent');
  if (nextAction?.type === 'redirect_to_url') return location.assign(nextAction.url);
  if (stripe && clientSecret) await stripe.handleNextAction({ clientSecret });
}

function orderDetails(order, params) {
  const { nextAction } = order.payment;
  const returned = params.get('redirect_status');
  const waiting =
    order.status === 'REQUIRES_ACTION'
      ? h(
          'p',
          {},
          returned ? `Back from your bank (${returned}); waiting for the payment's outcome… ` : 'Your bank asks you to confirm this payment. ',
          nextAction ? h('a', { href: nextAction.url, id: 'authenticate' }, 'Go to your bank’s page') : undefined,
        )
      : order.status === 'PENDING' && h('p', {}, 'Taking the payment…');
  return h(
    'section',
    {},
    h('h2', {}, 'Order ', h('code', {}, order.id)),
    h('p', {}, 'Status: ', h('span', { id: 'order-status', class: 'status' }, order.status), order.payment.declineCode ? ` (${order.payment.declineCode})` : ''),
    waiting || undefined,
    h('table', {}, order.items.map((item) => h('tr', {}, h('td', {}, item.name), h('td', {}, `× ${item.quantity}`), h('td', {}, money(item.unitPrice))))),
    h('p', { class: 'price' }, `Total ${money(order.total)}`),
    h('h3', {}, 'History'),
    h('ol', { id: 'order-history' }, order.history.map((entry) => h('li', {}, `${entry.status} at ${new Date(entry.at).toLocaleString()}`))),
    h('p', {}, h('a', { href: '/?view=orders', 'data-nav': true }, 'All orders')),
  );
}

async function renderOrders() {
  if (!session.token()) return view.replaceChildren(h('p', {}, 'Sign in to see your orders.'));
  const page = await api.get('/orders?limit=50');
  view.replaceChildren(
    h('h2', {}, 'Your orders'),
    page.items.length
      ? h(
          'table',
          { id: 'orders' },
          h('tr', {}, h('th', {}, 'Placed'), h('th', {}, 'Order'), h('th', {}, 'Status'), h('th', {}, 'Total')),
          page.items.map((order) =>
            h(
              'tr',
              { 'data-order': order.id },
              h('td', {}, new Date(order.createdAt).toLocaleString()),
              h('td', {}, h('a', { href: `/?order=${encodeURIComponent(order.id)}`, 'data-nav': true }, order.id)),
              h('td', { class: 'status' }, order.status),
              h('td', {}, money(order.total)),
            ),
          ),
        )
      : h('p', {}, 'No orders yet.'),
  );
}

// --- start ----------------------------------------------------------------------------------------

/** Stripe.js from Stripe itself (it may not be bundled or self-hosted), only for a real key. */
async function loadStripe(publishableKey) {
  if (!publishableKey || publishableKey.startsWith('pk_test_local')) return undefined;
  await new Promise((resolve, reject) => document.head.append(h('script', { src: 'https://js.stripe.com/v3/', onload: resolve, onerror: reject })));
  return window.Stripe(publishableKey);
}

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-nav]');
  if (!link || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  navigate(new URL(link.href).search);
});
document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const q = document.getElementById('search-q').value.trim();
  navigate(q ? `?q=${encodeURIComponent(q)}` : '');
});
window.addEventListener('popstate', render);

const config = await api.get('/config');
stripe = await loadStripe(config.stripePublishableKey).catch(() => say('Stripe.js could not be loaded; saved and test cards still work.', 'error'));
await render();
