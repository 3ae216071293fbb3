import type { ProcessInfo } from '../../shared/api/contract';

/** Processes in tree order (pstree order, depth-first), each with the prefix that draws the tree. */
export function treeOrder(list: ProcessInfo[]): { p: ProcessInfo; prefix: string }[] {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  const out: { p: ProcessInfo; prefix: string }[] = [];
  const seen = new Set<number>();
  const walk = (p: ProcessInfo, lead: string, last: boolean, root: boolean): void => {
    if (seen.has(p.pid)) return;
    seen.add(p.pid);
    out.push({ p, prefix: root ? '' : lead + (last ? '└─ ' : '├─ ') });
    const kids = p.children.map((c) => byPid.get(c)).filter((c): c is ProcessInfo => !!c);
    kids.forEach((k, i) => walk(k, root ? '' : lead + (last ? '   ' : '│  '), i === kids.length - 1, false));
  };
  for (const p of list) if (p.depth === 0) walk(p, '', true, true);
  for (const p of list) if (!seen.has(p.pid)) walk(p, '', true, true);
  return out;
}
