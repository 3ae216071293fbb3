/** A tree printer in the style of checkpointctl's `inspect` (box-drawing branches). Labels are escaped. */
import { escapeText } from '../../shared/format';

export interface TreeNode {
  label: string;
  children?: TreeNode[];
}

export function renderTree(root: TreeNode): string {
  const lines: string[] = [escapeText(root.label)];
  const walk = (nodes: TreeNode[], prefix: string): void => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(prefix + (last ? '└── ' : '├── ') + escapeText(n.label));
      if (n.children?.length) walk(n.children, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root.children ?? [], '');
  return lines.join('\n') + '\n';
}
