import type { ProcessInfo } from '#shared/api/contract';

/** Processes in tree order (pstree order, depth-first), each with the prefix that draws the tree. */
export function treeOrder(list: ProcessInfo[]): { p: ProcessInfo; prefix: string }[] {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  const out: { p: ProcessInfo; prefix: string }[] = [];
  const seen = new Set<number>();
  // Depth-first with an explicit stack (children pushed in reverse so they come out in order): no recursion.
  const walk = (top: ProcessInfo): void => {
    const stack: { p: ProcessInfo; lead: string; last: boolean; root: boolean }[] = [{ p: top, lead: '', last: true, root: true }];
    while (stack.length) {
      const { p, lead, last, root } = stack.pop()!;
      if (seen.has(p.pid)) continue;
      seen.add(p.pid);
      out.push({ p, prefix: root ? '' : lead + (last ? '└─ ' : '├─ ') });
      const kids = p.children.map((c) => byPid.get(c)).filter((c): c is ProcessInfo => !!c);
      const childLead = root ? '' : lead + (last ? '   ' : '│  ');
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ p: kids[i], lead: childLead, last: i === kids.length - 1, root: false });
    }
  };
  for (const p of list) if (p.depth === 0) walk(p);
  for (const p of list) if (!seen.has(p.pid)) walk(p);
  return out;
}
