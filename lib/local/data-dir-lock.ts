import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from './processes';
import { StartupError } from './startup-error';

/**
 * One stack per DATA_DIR: `stack.lock` holds the owner's pid. While the owner runs, a second
 * start refuses before it touches anything; once the owner is dead (a SIGKILLed stack leaves
 * its lock behind) the lock is stale and the next start takes it over. Returns the release.
 *
 * Hand-written: no lock-file package is a dependency of ours, and this needs only an atomic
 * create (link(2) fails when the name exists) and a liveness check. Two starts racing over the
 * same stale lock within the same instant could both take it; that case is not guarded.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'stack.lock');
  while (!tryCreate(lockFile)) {
    const owner = ownerOf(lockFile);
    if (owner !== undefined && isRunning(owner)) {
      throw new StartupError(`DATA_DIR ${dataDir} is in use by the Crowdstart stack with pid ${owner}: stop that one first, or set another DATA_DIR.`);
    }
    rmSync(lockFile, { force: true }); // stale: its owner is gone
  }
  const release = () => {
    if (ownerOf(lockFile) === process.pid) rmSync(lockFile, { force: true });
  };
  process.once('exit', release);
  return () => {
    process.off('exit', release);
    release();
  };
}

/** Written aside and linked into place, so no reader ever sees a half-written lock. */
function tryCreate(lockFile: string): boolean {
  const mine = `${lockFile}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    rmSync(mine, { force: true });
  }
}

function ownerOf(lockFile: string): number | undefined {
  try {
    return Number(readFileSync(lockFile, 'utf8')) || undefined;
  } catch {
    return undefined; // removed in between
  }
}
