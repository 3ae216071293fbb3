/**
 * gdb output on its way to xterm.js, outside React state: the event handler writes here, the terminal that
 * shows a session reads from here. Output that arrives before its terminal attaches (gdb's banner, often
 * before the gdbStart reply) is kept, up to MAX_PENDING characters per session.
 */
export const MAX_PENDING = 1024 * 1024;

export class TerminalBus {
  private readonly writers = new Map<string, (data: string) => void>();
  private readonly pending = new Map<string, string>();

  push = (sessionId: string, data: string): void => {
    const w = this.writers.get(sessionId);
    if (w) w(data);
    else {
      const p = (this.pending.get(sessionId) ?? '') + data;
      this.pending.set(sessionId, p.length > MAX_PENDING ? p.slice(p.length - MAX_PENDING) : p);
    }
  };

  /** Attach the writer of a session (an xterm Terminal's write); returns the detach. */
  attach(sessionId: string, writer: (data: string) => void): () => void {
    this.writers.set(sessionId, writer);
    const p = this.pending.get(sessionId);
    if (p) {
      this.pending.delete(sessionId);
      writer(p);
    }
    return () => {
      if (this.writers.get(sessionId) === writer) this.writers.delete(sessionId);
    };
  }

  forget(sessionId: string): void {
    this.writers.delete(sessionId);
    this.pending.delete(sessionId);
  }
}
