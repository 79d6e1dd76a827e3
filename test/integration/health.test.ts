import { apiClient } from '../../bin/support/api';

const api = apiClient();

describe('the local HTTP API', () => {
  it('answers /health with its checks and a request id', async () => {
    const res = await api.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { dynamodb: 'ok' } });
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers an unknown route with 404 in the contract error shape', async () => {
    const res = await api.get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
    expect(res.body.requestId).toBeTruthy();
  });
});
