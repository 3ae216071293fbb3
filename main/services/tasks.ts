/**
 * Long work with progress and cancel. A client names each task (`taskId`); the services keep one
 * AbortController per running task, emit `progress` events at most every 100 ms per task (plus the final
 * one), and `cancel({ taskId })` aborts it.
 */
import type { ProgressEvent } from '#shared/api/contract';
import { CancelledError } from '../core/errors';

export const PROGRESS_INTERVAL_MS = 100;

export interface Task {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Report progress (throttled). */
  progress(done: number, total: number, phase: string): void;
  /** Throw CancelledError when the task was cancelled (call between steps of the work). */
  check(): void;
}

export class TaskRegistry {
  private readonly running = new Map<string, AbortController>();
  private anonymous = 0;

  constructor(private readonly emit: (e: ProgressEvent) => void) {}

  /** Run `work` as task `taskId` (a fresh id when the caller gave none). */
  async run<T>(taskId: string | undefined, what: string, work: (task: Task) => Promise<T>): Promise<T> {
    const id = taskId ?? `task-${++this.anonymous}`;
    if (this.running.has(id)) throw new CancelledError(`a task with id ${JSON.stringify(id)} is already running; ${what} was cancelled`);
    const controller = new AbortController();
    this.running.set(id, controller);
    let last = 0;
    let lastPhase = '';
    const task: Task = {
      id,
      signal: controller.signal,
      progress: (done, total, phase) => {
        const now = Date.now();
        const final = total > 0 && done >= total;
        if (!final && phase === lastPhase && now - last < PROGRESS_INTERVAL_MS) return;
        last = now;
        lastPhase = phase;
        this.emit({ taskId: id, phase, done, total });
      },
      check: () => {
        if (controller.signal.aborted) throw new CancelledError(`${what} was cancelled`);
      },
    };
    try {
      const value = await work(task);
      task.check();
      return value;
    } catch (e) {
      if (controller.signal.aborted) throw new CancelledError(`${what} was cancelled`);
      throw e;
    } finally {
      this.running.delete(id);
    }
  }

  cancel(taskId: string): boolean {
    const c = this.running.get(taskId);
    if (!c) return false;
    c.abort();
    return true;
  }

  cancelAll(): void {
    for (const c of this.running.values()) c.abort();
  }

  get size(): number {
    return this.running.size;
  }
}
