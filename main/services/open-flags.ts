/**
 * Open flags in words (`O_RDWR|O_APPEND`, not `0102002`): the access mode from its two low bits (O_RDONLY is
 * 0, so it has no bit of its own), then every other flag named by crit's table for reg-file flags
 * (crit-tables.generated.ts, `rfile.flags`), then any bits left as octal.
 */
import { CRIT_FLAGS_MAPS } from '../core/criu/crit-tables.generated';

const ACCESS = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'];

export function openFlagsText(flags: number): string {
  const names = [ACCESS[flags & 3]];
  let rest = flags & ~3;
  for (const [name, bit] of CRIT_FLAGS_MAPS['rfile.flags'] ?? []) {
    if (bit & 3) continue; // the access mode, named above
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push('0' + rest.toString(8));
  return names.join('|');
}
