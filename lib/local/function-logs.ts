import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the local stack keeps its functions' log lines, under DATA_DIR. */
export const functionLogFile = (dataDir: string) => join(dataDir, 'logs', 'functions.log');

/**
 * The functions' CloudWatch Logs, locally: as Lambda captures a function's stdout and stderr,
 * every JSON line the in-process handlers print (Powertools log records and EMF metric
 * documents) is appended to DATA_DIR/logs/functions.log, so `grep <correlation id>` finds an
 * order's story as a Logs Insights query would. Log records still reach the terminal as before;
 * EMF documents, which CloudWatch turns into metrics rather than showing, go only to the file.
 * Everything else (the stack's own output) is untouched. Patching the streams is the only way
 * in: Powertools writes through its own Console on process.stdout and process.stderr.
 */
export function captureFunctionLogs(dataDir: string): () => Promise<void> {
  const file = functionLogFile(dataDir);
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const out = createWriteStream(file, { flags: 'a' });
  const restore = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const kind = kindOf(chunk);
      if (kind !== 'other') out.write(typeof chunk === 'string' && chunk.endsWith('\n') ? chunk : `${String(chunk).trimEnd()}\n`);
      return kind === 'metrics' ? true : write(chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = write as typeof stream.write;
    };
  });
  return () => {
    for (const undo of restore) undo();
    return new Promise((done) => out.end(done));
  };
}

/** A Powertools log record (level, message, service, timestamp), an EMF document (`_aws`), or anything else. */
function kindOf(chunk: string | Uint8Array): 'log' | 'metrics' | 'other' {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (!text.startsWith('{')) return 'other';
  try {
    const line = JSON.parse(text) as Record<string, unknown>;
    if (typeof line._aws === 'object' && line._aws !== null) return 'metrics';
    return typeof line.level === 'string' && 'service' in line && 'timestamp' in line ? 'log' : 'other';
  } catch {
    return 'other';
  }
}
