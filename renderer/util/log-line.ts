/**
 * The message of a log line, without the prefix its writer added (which is never in the process's memory):
 * the CRI log format's `TIMESTAMP STREAM TAG ` (CRI-O and Podman's k8s-file: stream stdout|stderr, tag F for
 * a full line or P for a partial one) and CRIU's `(SS.UUUUUU) ` elapsed-time stamp. Anything else is kept.
 */
const CRI_PREFIX = /^\S+ (?:stdout|stderr) [FP] /;
const CRIU_PREFIX = /^\(\s*\d+\.\d+\)\s+/;

export function logMessage(line: string): string {
  return line.replace(CRI_PREFIX, '').replace(CRIU_PREFIX, '');
}
