import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/PID/stat after the command name: [2] is the parent, [11..14] the CPU times. */
function statFields(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return null;
  }
}

const TICKS = 100;

/**
 * CPU seconds of a server and the processes it forked (Linux): the PostgreSQL postmaster and its
 * backends and background workers. Adds up utime + stime of the parent, of every process whose
 * parent it is, and of the children it has already reaped (cutime + cstime), so that a backend
 * which exits between two readings keeps counting. NaN where /proc cannot tell.
 */
export function treeCpuSeconds(pid) {
  const own = pid ? statFields(pid) : null;
  if (!own) return NaN;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || entry === String(pid)) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS;
}
