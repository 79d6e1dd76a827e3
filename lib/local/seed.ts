/**
 * The demo store `npm run dev` starts with: a few dozen products with variants, created through
 * the HTTP API like any admin client would (so the seed exercises validation, SKU items, the
 * search indexer and inventory), once per DATA_DIR.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalStack } from './stack';

const MARKER = 'demo-store-seeded';
const CONCURRENCY = 8;

interface DemoVariant {
  sku: string;
  name: string;
  options: Record<string, string>;
  price: { amount: number; currency: string };
}

interface DemoProduct {
  name: string;
  description: string;
  tags: string[];
  images: string[];
  variants: DemoVariant[];
}

/**
 * Seeds the demo store on first start (a marker file under the data dir remembers it). Every
 * write carries an Idempotency-Key and a taken SKU counts as done, so a seed interrupted
 * half-way simply runs again on the next start.
 */
export async function seedDemoStore(stack: LocalStack, log: (line: string) => void): Promise<void> {
  const marker = join(stack.dataDir, MARKER);
  if (existsSync(marker)) return;
  const token = await stack.identity.sign({ sub: 'seed', admin: true });
  const products = demoCatalog();
  const started = Date.now();
  let done = 0;
  let inventory = true;
  await forEachLimited(products, CONCURRENCY, async (product) => {
    await createProduct(stack.url, token, product);
    for (const variant of product.variants) {
      if (inventory) inventory = await setStock(stack.url, token, variant.sku, stockFor(variant.sku));
    }
    done++;
    if (done % 12 === 0 || done === products.length) {
      log(`seeded ${done}/${products.length} products${done === products.length ? ` in ${((Date.now() - started) / 1000).toFixed(1)} s` : ''}`);
    }
  });
  if (!inventory) log('seed: no inventory route yet, products have no stock');
  writeFileSync(marker, new Date().toISOString());
}

async function createProduct(url: string, token: string, product: DemoProduct): Promise<void> {
  const res = await send(url, token, 'POST', '/admin/products', product, `seed-${product.variants[0]!.sku}`);
  if (res.status === 201 || res.status === 409) return; // 409 SKU_TAKEN: an earlier run created it
  throw new Error(`seeding ${product.name} failed: ${res.status} ${await res.text()}`);
}

/** Sets the SKU's stock; false when the inventory route does not exist (yet). */
async function setStock(url: string, token: string, sku: string, total: number): Promise<boolean> {
  const res = await send(url, token, 'PUT', `/admin/inventory/${encodeURIComponent(sku)}`, { total });
  const text = await res.text();
  if (res.status === 404 && text.includes('ROUTE_NOT_FOUND')) return false;
  if (!res.ok) throw new Error(`seeding stock of ${sku} failed: ${res.status} ${text}`);
  return true;
}

/** One admin call; a 429 from the stage's throttle is waited out as its Retry-After says. */
async function send(url: string, token: string, method: string, path: string, body: unknown, idempotencyKey?: string): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  for (;;) {
    const res = await fetch(`${url}${path}`, { method, headers, body: JSON.stringify(body) });
    if (res.status !== 429) return res;
    await res.arrayBuffer();
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
  }
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A stable, varied stock level per SKU (some sold out), so the demo shows availability. */
function stockFor(sku: string): number {
  let hash = 0;
  for (const char of sku) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 7 === 0 ? 0 : 5 + (hash % 60);
}

const usd = (amount: number) => ({ amount, currency: 'USD' });
const image = (slug: string) => `https://images.crowdstart.example/demo/${slug}.jpg`;
const code = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]+/g, '').slice(0, 4);

/** Apparel: one variant per colour × size. */
function apparel(slug: string, name: string, description: string, tags: string[], price: number, colours: string[], sizes: string[]): DemoProduct {
  const variants = colours.flatMap((colour) =>
    sizes.map((size) => ({
      sku: `${slug}-${code(colour)}-${size}`,
      name: `${name} — ${colour}, ${size}`,
      options: { colour, size },
      price: usd(size === 'XXL' ? price + 200 : price),
    })),
  );
  return { name, description, tags, images: [image(slug.toLowerCase())], variants };
}

/** Anything else: one variant per option value (or a single one). */
function simple(slug: string, name: string, description: string, tags: string[], price: number, option?: [string, string[]]): DemoProduct {
  const variants = option
    ? option[1].map((value, i) => ({ sku: `${slug}-${code(value)}`, name: `${name} — ${value}`, options: { [option[0]]: value }, price: usd(price + i * 300) }))
    : [{ sku: slug, name, options: {}, price: usd(price) }];
  return { name, description, tags, images: [image(slug.toLowerCase())], variants };
}

const SIZES = ['S', 'M', 'L'];

/** 36 products (about 90 SKUs) across apparel, drinkware, books, stationery, home and accessories. */
export function demoCatalog(): DemoProduct[] {
  return [
    apparel('TEE-CLASSIC', 'Classic Crew T-Shirt', 'Heavyweight organic cotton tee with a relaxed fit.', ['apparel', 'shirt', 'cotton'], 2400, ['Black', 'White'], SIZES),
    apparel('TEE-VNECK', 'V-Neck T-Shirt', 'Soft slub jersey with a clean V neckline.', ['apparel', 'shirt'], 2200, ['Heather Grey'], SIZES),
    apparel('TEE-POCKET', 'Pocket Tee', 'Garment-dyed tee with a chest pocket.', ['apparel', 'shirt', 'pocket'], 2600, ['Sand'], [...SIZES, 'XXL']),
    apparel('LS-WAFFLE', 'Waffle Long Sleeve', 'Thermal waffle knit for cool mornings.', ['apparel', 'shirt', 'thermal'], 3400, ['Cream'], SIZES),
    apparel('HOOD-ZIP', 'Zip Hoodie', 'Brushed fleece hoodie with a full-length zip.', ['apparel', 'hoodie', 'fleece'], 5800, ['Black', 'Forest'], SIZES),
    apparel('HOOD-PULL', 'Pullover Hoodie', 'Midweight French terry pullover with a kangaroo pocket.', ['apparel', 'hoodie'], 5200, ['Grey', 'Burgundy'], SIZES),
    apparel('CREW-SWEAT', 'Crewneck Sweatshirt', 'Loopback cotton sweatshirt, pre-shrunk.', ['apparel', 'sweatshirt'], 4800, ['Oatmeal'], SIZES),
    apparel('JKT-DENIM', 'Denim Jacket', 'Rigid selvedge denim trucker jacket.', ['apparel', 'jacket', 'denim'], 12800, ['Indigo'], SIZES),
    apparel('JKT-RAIN', 'Packable Rain Jacket', 'Waterproof, breathable shell that folds into its pocket.', ['apparel', 'jacket', 'outdoor'], 9800, ['Yellow'], SIZES),
    apparel('SOCK-WOOL', 'Merino Socks', 'Cushioned merino wool socks for hiking and everyday.', ['apparel', 'socks', 'wool'], 1600, ['Grey'], SIZES),
    apparel('CAP-BASE', 'Baseball Cap', 'Six-panel cotton twill cap with an embroidered logo.', ['accessories', 'hat'], 2800, ['Black', 'Khaki'], ['OS']),
    apparel('BEANIE', 'Ribbed Beanie', 'Chunky rib knit beanie in recycled wool.', ['accessories', 'hat', 'wool'], 2400, ['Mustard', 'Black'], ['OS']),
    simple('MUG-STONE', 'Stoneware Mug', 'Hand-glazed stoneware mug, 350 ml, dishwasher safe.', ['kitchen', 'mug', 'drinkware'], 1800, ['colour', ['Speckled White', 'Midnight Blue', 'Sage']]),
    simple('MUG-ENAMEL', 'Enamel Camp Mug', 'Lightweight enamel mug for the trail and the desk.', ['kitchen', 'mug', 'outdoor'], 1500, ['colour', ['White', 'Green']]),
    simple('MUG-TRAVEL', 'Insulated Travel Mug', 'Double-wall steel keeps coffee hot for six hours.', ['kitchen', 'mug', 'coffee'], 3200, ['size', ['12 oz', '16 oz']]),
    simple('TUMBLER', 'Glass Tumbler Set', 'Set of four recycled glass tumblers.', ['kitchen', 'glass', 'drinkware'], 3600),
    simple('BOTTLE-STEEL', 'Steel Water Bottle', 'Vacuum insulated bottle, cold for 24 hours.', ['outdoor', 'bottle', 'drinkware'], 2900, ['size', ['500 ml', '750 ml', '1 l']]),
    simple('BOOK-COFFEE', 'The Coffee Atlas', 'A world tour of coffee origins, roasts and brewing methods.', ['books', 'coffee', 'hardcover'], 3500, ['format', ['Hardcover', 'Paperback']]),
    simple('BOOK-BREAD', 'Slow Bread', 'Sourdough baking from starter to crumb, with 60 recipes.', ['books', 'baking', 'cooking'], 2900, ['format', ['Hardcover', 'Ebook']]),
    simple('BOOK-TRAILS', 'Trails of the Northwest', 'Forty day hikes with maps, elevation profiles and camp tips.', ['books', 'outdoor', 'travel'], 2400),
    simple('BOOK-TYPE', 'Shaping Type', 'A designer\'s field guide to letterforms and typography.', ['books', 'design'], 4200, ['format', ['Hardcover', 'Paperback']]),
    simple('BOOK-KIDS', 'The Moon Fox', 'An illustrated bedtime story for ages 3 to 6.', ['books', 'kids'], 1600),
    simple('NOTE-DOT', 'Dotted Notebook', 'A5 notebook, 160 pages of 100 gsm dotted paper, lay-flat binding.', ['stationery', 'notebook', 'paper'], 1900, ['cover', ['Black', 'Terracotta', 'Sky']]),
    simple('NOTE-POCKET', 'Pocket Notebooks', 'Three-pack of pocket notebooks with kraft covers.', ['stationery', 'notebook'], 1200, ['ruling', ['Blank', 'Lined', 'Grid']]),
    simple('PEN-BRASS', 'Brass Pen', 'Solid brass ballpoint that ages with a warm patina.', ['stationery', 'pen', 'brass'], 4400),
    simple('PENCIL-SET', 'Graphite Pencil Set', 'Twelve cedar pencils from 4H to 8B.', ['stationery', 'pencil', 'art'], 1400),
    simple('POSTER-MTN', 'Mountain Print', 'Risograph print of alpine peaks on recycled paper.', ['home', 'poster', 'art'], 3000, ['size', ['A3', 'A2']]),
    simple('POSTER-CITY', 'City Map Print', 'Minimal line map of your favourite city streets.', ['home', 'poster', 'map'], 3400, ['size', ['A3', 'A2', 'A1']]),
    simple('CANDLE-CEDAR', 'Cedar Candle', 'Soy wax candle with notes of cedar and smoke, 50-hour burn.', ['home', 'candle'], 2600),
    simple('BLANKET-WOOL', 'Wool Throw Blanket', 'Woven lambswool throw, 130 × 180 cm.', ['home', 'blanket', 'wool'], 8900, ['colour', ['Oat', 'Charcoal']]),
    simple('PLANTER', 'Ceramic Planter', 'Matte ceramic planter with a drainage saucer.', ['home', 'plants', 'ceramic'], 2200, ['size', ['Small', 'Medium', 'Large']]),
    simple('TOTE-CANVAS', 'Canvas Tote Bag', 'Heavy canvas tote with an inner pocket.', ['accessories', 'bag', 'canvas'], 2000, ['colour', ['Natural', 'Black']]),
    simple('BACKPACK', 'Roll-Top Backpack', 'Waterproof roll-top backpack with a laptop sleeve, 22 l.', ['accessories', 'bag', 'outdoor'], 11800, ['colour', ['Black', 'Olive']]),
    simple('STICKER-PACK', 'Sticker Pack', 'Ten weatherproof vinyl stickers.', ['accessories', 'sticker'], 800),
    simple('PIN-ENAMEL', 'Enamel Pin', 'Hard enamel pin with a rubber clutch.', ['accessories', 'pin'], 1000, ['design', ['Mountain', 'Coffee', 'Fox']]),
    giftCard([25, 50, 100]),
  ];
}

function giftCard(values: number[]): DemoProduct {
  const variants = values.map((value) => ({ sku: `GIFT-CARD-${value}`, name: `Gift Card — $${value}`, options: { value: `$${value}` }, price: usd(value * 100) }));
  return { name: 'Gift Card', description: 'A digital gift card, delivered by email.', tags: ['gift'], images: [image('gift-card')], variants };
}
