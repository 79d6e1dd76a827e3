import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUN_AUDIT_SIGNAL } from '../../lib/local/audit-jobs';
import type { apiClient } from './api';

type Api = ReturnType<typeof apiClient>;

/**
 * Runs the audit jobs of the local stack on `dataDir` now (the stack's pid is in its lock) and
 * answers GET /admin/audit once both jobs have reported a run newer than the request.
 */
export async function runAudit(api: Api, dataDir: string, timeoutMs = 120_000): Promise<any> {
  const pid = Number(readFileSync(join(dataDir, 'stack.lock'), 'utf8'));
  const token = await api.adminToken();
  const asked = new Date().toISOString();
  process.kill(pid, RUN_AUDIT_SIGNAL);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await api.get('/admin/audit', { token });
    if (status !== 200) throw new Error(`GET /admin/audit answered ${status}: ${JSON.stringify(body)}`);
    if (body.stock?.at >= asked && body.payments?.at >= asked) return body;
    if (Date.now() > deadline) throw new Error(`the audit jobs did not report within ${timeoutMs} ms`);
    await sleep(250);
  }
}
