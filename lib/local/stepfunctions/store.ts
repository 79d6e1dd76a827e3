import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRecord, ServiceLogger } from './types';

/**
 * Executions, one JSON file each under `<dataDir>/executions/<stateMachine>/<execution>.json`
 * (a person can read an order's path there), held in memory as well for the API.
 *
 * Writes are synchronous and atomic (temp file + rename): the runner saves on every event before
 * a task's side effect may start, so a crash leaves the last complete record, never half of one.
 */
export class ExecutionStore {
  private readonly root: string;
  private readonly records = new Map<string, ExecutionRecord>();
  private writes = 0;

  constructor(dataDir: string, logger: ServiceLogger) {
    this.root = join(dataDir, 'executions');
    mkdirSync(this.root, { recursive: true });
    for (const machineDir of readdirSync(this.root, { withFileTypes: true })) {
      if (!machineDir.isDirectory()) continue;
      const dir = join(this.root, machineDir.name);
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.json')) continue;
        try {
          const record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ExecutionRecord;
          this.records.set(record.executionArn, record);
        } catch (error) {
          logger.warn('Skipping unreadable execution file', { file: join(dir, file), error: String(error) });
        }
      }
    }
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.records.get(executionArn);
  }

  all(): ExecutionRecord[] {
    return [...this.records.values()];
  }

  save(record: ExecutionRecord): void {
    this.records.set(record.executionArn, record);
    const dir = join(this.root, encodeURIComponent(record.stateMachineName));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${encodeURIComponent(record.name)}.json`);
    const temp = `${file}.${process.pid}.${++this.writes}.tmp`;
    writeFileSync(temp, JSON.stringify(record, null, 1));
    renameSync(temp, file);
  }
}
