import type { ProblemInfo } from '#shared/api/contract';
import { useKensa } from '../stores/hooks';
import { ErrorMessage } from './ErrorMessage';

/** Problems met reading the images a panel shows (a broken image is reported where it matters; the rest works). */
export function Problems({ members, testId }: { members: (string | RegExp)[]; testId?: string }) {
  const problems = useKensa((s) => s.session?.problems ?? []);
  const base = (m: string): string => m.split('/').pop() ?? m;
  const mine = problems.filter((p: ProblemInfo) => members.some((m) => (typeof m === 'string' ? base(p.member) === m : m.test(base(p.member)))));
  if (!mine.length) return null;
  return (
    <div data-testid={testId ?? 'panel-problems'}>
      {mine.map((p) => {
        const off = /@(\d+): /.exec(p.text);
        return <ErrorMessage key={p.text} context="Could not read part of this checkpoint" error={{ kind: 'format', message: p.message, member: p.member, ...(off ? { offset: Number(off[1]) } : {}) }} />;
      })}
    </div>
  );
}
