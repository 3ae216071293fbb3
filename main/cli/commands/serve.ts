/**
 * `kensa serve [ARCHIVE] [--rootfs PATH] [--port N]`: the workstation in a normal browser (browser mode).
 *
 * The first line of stdout is the full URL, token included (scripts and tests read it); everything else
 * goes to stderr. The archive is opened before the URL is printed, so a bad archive fails like any other
 * command (exit 2, one line). The server runs until interrupted (Ctrl+C, SIGTERM), then exits 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../command';
import { EXIT } from '../command';
import { openOptions, UsageError } from '../common';
import { KensaServices } from '../../services/kensa-services';
import { startServer } from '../../server/server';
import { KensaError } from '../../core/errors';
import { escapeText, parseNumber } from '#shared/format';

/** The built renderer, beside the compiled CLI in dist/. */
export const RENDERER_DIR = path.resolve(__dirname, '..', '..', '..', 'renderer', 'web');

export const serve: Command = {
  name: 'serve',
  summary: 'The workstation in a browser: serves the UI and its API on 127.0.0.1 (random port and token; the URL is the first line of output)',
  usage: 'serve [ARCHIVE] [--rootfs PATH] [--port N]',
  options: { rootfs: { type: 'string' }, port: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length > 1) throw new UsageError('serve takes at most one ARCHIVE');
    let port = 0;
    if (ctx.opts.port !== undefined) {
      const n = parseNumber(String(ctx.opts.port));
      if (n === undefined || n > 65535n) throw new UsageError('--port takes a port number from 0 to 65535 (0: a random free port)');
      port = Number(n);
    }
    const rootfs = typeof ctx.opts.rootfs === 'string' ? ctx.opts.rootfs : undefined;
    if (rootfs && ctx.args.length === 0) throw new UsageError('--rootfs goes with an ARCHIVE');
    if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) {
      throw new KensaError('missing', `the workstation UI is not built (no ${RENDERER_DIR}/index.html): run \`npm run build\``);
    }
    const { limits, maxTreeDepth } = openOptions(ctx);
    const services = new KensaServices({
      cacheDir: typeof ctx.opts.cache === 'string' ? ctx.opts.cache : undefined,
      transport: 'websocket',
      openOptions: { limits, ...(maxTreeDepth !== undefined ? { maxTreeDepth } : {}) },
    });
    if (ctx.args.length === 1) {
      const unsubscribe = services.subscribe((name, payload) => {
        if (name !== 'progress' || !ctx.interactive) return;
        const p = payload as { phase: string; done: number };
        ctx.err(`\r${p.phase} ${(p.done / 1048576).toFixed(0)} MiB\x1b[K`);
      });
      const opened = await services.openArchive({ path: ctx.args[0], ...(rootfs ? { rootfs } : {}) });
      unsubscribe();
      if (ctx.interactive) ctx.err('\r\x1b[K');
      if (!opened.ok) {
        const e = opened.error;
        const where = [e.source, e.member].filter(Boolean).join('!') + (e.offset !== undefined ? ` @${e.offset}` : '');
        ctx.err(`kensa: error: ${escapeText((where ? where + ': ' : '') + e.message)}${e.hint ? ` (${escapeText(e.hint)})` : ''}\n`);
        services.dispose();
        return e.kind === 'usage' ? EXIT.USAGE : e.kind === 'tool' || e.kind === 'unavailable' ? EXIT.MISSING_TOOL : EXIT.BAD_INPUT;
      }
      for (const p of opened.value.problems) ctx.err(`kensa: warning: ${escapeText(p.text)}\n`);
    }
    const server = await startServer({ services, staticDir: RENDERER_DIR, port });
    ctx.out(server.url + '\n');
    ctx.err(`kensa: browser mode on ${server.origin} (127.0.0.1 only); open the URL above, token included. Ctrl+C stops the server.\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    services.dispose();
    await server.close();
    return EXIT.OK;
  },
};
