import { readCart } from '../adapters/dynamodb/cart-repository';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /cart: the caller's live cart lines at the catalog's current prices (a changed price flagged
 * with `previousUnitPrice`, a deleted product's line with `unavailable`), hold expiry and subtotal.
 */
export const handler = apiHandler(routeSpec('get-cart'), async (req) => ok(await readCart(req.caller.sub)));
