/**
 * Path resolution inside a container root file system, as the kernel does it inside a chroot: `..` at the
 * root stays at the root, absolute symlink targets start again from the container's root (never the host's),
 * and at most MAX_SYMLINK_HOPS links are followed (the kernel's MAXSYMLINKS is 40).
 *
 * The same walk serves the tar / OCI tree (a map of entries) and an on-disk folder (lstat per component),
 * so every form of `--rootfs` answers the same path the same way.
 */

/** Linux MAXSYMLINKS (include/linux/namei.h). */
export const MAX_SYMLINK_HOPS = 40;

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** What the walk needs to know about one path inside the root (`key` has no leading `/`; '' is the root). */
export interface EntryProbe {
  kind: EntryKind;
  linkTarget?: string;
}

/** Split a path into its non-empty components. */
export function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolve `path` within the root. Returns the key of the final entry (symlinks followed, also the last one
 * when `followLast`), or undefined when a component is missing, is not a directory, or links loop.
 */
export function resolveKey(path: string, probe: (key: string) => EntryProbe | undefined, followLast = true): string | undefined {
  const stack: string[] = [];
  let queue = components(path);
  let hops = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '..') {
      stack.pop();
      continue;
    }
    const key = stack.length ? `${stack.join('/')}/${c}` : c;
    const entry = probe(key);
    if (!entry) return undefined;
    if (entry.kind === 'symlink' && (queue.length > 0 || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS || entry.linkTarget === undefined) return undefined;
      const target = entry.linkTarget;
      if (target.startsWith('/')) stack.length = 0;
      queue = [...components(target), ...queue];
      continue;
    }
    if (queue.length > 0 && entry.kind !== 'dir') return undefined;
    stack.push(c);
  }
  return stack.join('/');
}

/**
 * Where a symlink at `linkKey` points, as a key inside the root, or undefined when a relative target climbs
 * above the root (a link that points out: refused). Absolute targets are read inside the root.
 */
export function linkTargetKey(linkKey: string, target: string): string | undefined {
  const parts = target.startsWith('/') ? [] : components(linkKey).slice(0, -1);
  for (const c of components(target)) {
    if (c === '..') {
      if (parts.length === 0) {
        if (target.startsWith('/')) continue; // "/.." is "/" on every Unix
        return undefined;
      }
      parts.pop();
    } else parts.push(c);
  }
  return parts.join('/');
}

/** A relative symlink target that reaches `toKey` from a link at `linkKey` (both keys inside one root). */
export function relativeTarget(linkKey: string, toKey: string): string {
  const from = components(linkKey).slice(0, -1);
  const to = components(toKey);
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  const up = from.slice(common).map(() => '..');
  const rel = [...up, ...to.slice(common)].join('/');
  return rel === '' ? '.' : rel;
}
