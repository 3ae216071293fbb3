import type { ReactNode } from 'react';

export function PanelTitle({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <div className="panel-title">
      <h2>{title}</h2>
      {sub ? <span className="sub">{sub}</span> : null}
      <span className="spacer" />
      {children}
    </div>
  );
}
