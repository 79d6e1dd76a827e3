import { tableAnswers } from '../adapters/dynamodb/table-probe';
import { env } from '../shared/env';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /health: public liveness and readiness in one. 200 while every dependency answers, 503
 * naming the one that does not. The table check is a signed DescribeTable over fetch, so it
 * adds no SDK client to this function's bundle.
 */
export const handler = apiHandler(routeSpec('health'), async () => {
  const checks = { dynamodb: (await tableAnswers(env.tableName)) ? 'ok' : 'unavailable' };
  const healthy = Object.values(checks).every((check) => check === 'ok');
  return healthy ? ok({ status: 'ok', checks }) : { statusCode: 503, body: { status: 'unavailable', checks } };
});
