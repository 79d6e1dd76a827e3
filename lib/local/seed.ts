import type { LocalStack } from './stack';

/** Seeds the demo store on first start (filled in with the catalog). */
export async function seedDemoStore(_stack: LocalStack, _log: (line: string) => void): Promise<void> {}
