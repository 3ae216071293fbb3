/** A tree printer in the style of checkpointctl's `inspect` (box-drawing branches). Labels are escaped. */
import { escapeText } from '#shared/format';

export interface TreeNode {
  label: string;
  children?: TreeNode[];
}

export function renderTree(root: TreeNode): string {
  const lines: string[] = [escapeText(root.label)];
  // Depth-first with an explicit stack (a deep process chain must not overflow the call stack).
  const stack: { nodes: TreeNode[]; prefix: string; i: number }[] = [{ nodes: root.children ?? [], prefix: '', i: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const n = top.nodes[top.i++];
    const last = top.i === top.nodes.length;
    lines.push(top.prefix + (last ? '└── ' : '├── ') + escapeText(n.label));
    if (n.children?.length) stack.push({ nodes: n.children, prefix: top.prefix + (last ? '    ' : '│   '), i: 0 });
  }
  return lines.join('\n') + '\n';
}
