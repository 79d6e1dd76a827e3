import { SCHEDULED_JOBS } from '../consumers';
import { invokeFunction } from './lambda-runtime';

/** The scheduled jobs `npm run audit` runs at once, in this order. */
export const AUDIT_JOB_IDS = ['ReconcilePayments', 'AuditStock'] as const;

/** The signal that asks a running local stack (bin/dev.ts) to run the audit jobs now. */
export const RUN_AUDIT_SIGNAL = 'SIGUSR2';

/**
 * Runs the audit jobs once, as their schedules would (the same handler modules, in the stack's
 * process, so with its engines). The payment reconciler goes first: what it repairs is then
 * seen by the stock audit. A failure is logged; the jobs are safe to overlap a scheduled run.
 */
export async function runAuditJobs(log: (line: string) => void = console.log): Promise<void> {
  for (const id of AUDIT_JOB_IDS) {
    const job = SCHEDULED_JOBS.find((j) => j.id === id)!;
    try {
      await invokeFunction(job.handler, { source: 'crowdstart.local', 'detail-type': 'Run now', detail: {} }, 300_000);
    } catch (error) {
      log(`audit job ${id} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }
}
