import { execFileSync } from 'node:child_process';

/**
 * The command line of a live process, or undefined when there is none (a zombie counts as
 * gone: in a container an orphan's exit may wait for a reaper that never comes). Asks `ps`,
 * which Linux and macOS both have, since Node can only signal a pid, not describe it.
 */
export function commandLineOf(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0 || !signalable(pid)) return undefined;
  try {
    const [state, ...command] = execFileSync('ps', ['-o', 'stat=,args=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    return state?.startsWith('Z') ? undefined : command.join(' ');
  } catch (error) {
    // No ps here: alive (it took the signal), but what it runs is unknown.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    return undefined; // ps exits 1 when the process is gone
  }
}

export const isRunning = (pid: number) => commandLineOf(pid) !== undefined;

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
