/**
 * `npm run token -- --sub alice [--admin] [--ttl 3600]`: prints a bearer token (last line) signed
 * by the local issuer of the stack that uses the same DATA_DIR and PORT.
 */
import { parseArgs } from 'node:util';
import { loadIdentity, localIssuer } from '../lib/local/identity';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    admin: { type: 'boolean', default: false },
    ttl: { type: 'string', default: String(12 * 3600) },
  },
});
const ttlSeconds = Number(values.ttl);
// The authorizer refuses a token without a finite exp, so a bad --ttl is refused here, not later.
if (!values.sub || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  console.error('usage: npm run token -- --sub <customer id> [--admin] [--ttl seconds, a positive integer]');
  process.exit(2);
}
const identity = await loadIdentity(process.env.DATA_DIR ?? '.data', localIssuer(Number(process.env.PORT ?? 3000)));
console.log(await identity.sign({ sub: values.sub, admin: values.admin, ttlSeconds }));
