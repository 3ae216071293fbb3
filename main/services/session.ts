/**
 * The open archive of a workstation session: opening it as a cancellable task, the session record (the
 * checkpoint, its rootfs, the evidence hashes known so far, where derived files go when no case is open)
 * and hashing the evidence. KensaServices keeps one session at a time and settles the open/open race.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvidenceHash, SessionInfo } from '#shared/api/contract';
import { Checkpoint, type CheckpointOpenOptions } from '../core/model/checkpoint';
import { openRootfs, type Rootfs } from '../core/rootfs/rootfs';
import { CancelledError, KensaError } from '../core/errors';
import { sha256File } from '../core/io/hash';
import { listFolder } from '../core/evidence/hash';
import type { TaskRegistry } from './tasks';

export interface OpenSession {
  cp: Checkpoint;
  info: SessionInfo;
  rootfs?: Rootfs;
  hashes: EvidenceHash[];
  derivedDir?: string;
}

export interface OpenOptions {
  rootfsPath?: string;
  cacheDir: string;
  /** Input limits for every archive opened (the CLI's --max-* options). */
  openOptions?: Pick<CheckpointOpenOptions, 'limits' | 'maxTreeDepth'>;
}

/**
 * Opens the checkpoint (and its rootfs) as a cancellable task. Hashing and decompression stop on the task's
 * signal (the partial output is removed); the race here answers a cancel at once, and a checkpoint that
 * finishes opening after the cancel is closed.
 */
export async function openCheckpointTask(tasks: TaskRegistry, taskId: string | undefined, file: string, opts: OpenOptions): Promise<{ cp: Checkpoint; rootfs?: Rootfs }> {
  return tasks.run(taskId, `opening ${file}`, async (task) => {
    let rootfs: Rootfs | undefined;
    if (opts.rootfsPath) rootfs = await openRootfs(path.resolve(opts.rootfsPath), { cacheDir: opts.cacheDir });
    task.check();
    const opening = Checkpoint.open(file, {
      ...(opts.openOptions ?? {}),
      cacheDir: opts.cacheDir,
      rootfs,
      signal: task.signal,
      onProgress: (done, total, phase) => {
        task.progress(done, total, phase);
        if (phase === 'hashing') task.check();
      },
    });
    const cancelled = new Promise<never>((_resolve, reject) => {
      const onAbort = (): void => reject(new CancelledError(`opening ${file} was cancelled`));
      if (task.signal.aborted) onAbort();
      else task.signal.addEventListener('abort', onAbort, { once: true });
    });
    cancelled.catch(() => undefined); // a cancel that loses the race must not be an unhandled rejection
    let cp: Checkpoint;
    try {
      cp = await Promise.race([opening, cancelled]);
    } catch (e) {
      opening.then((late) => late.close(), () => undefined);
      rootfs?.close();
      throw e;
    }
    // A folder is taken as CRIU images when nothing says otherwise; one without a single image is not a
    // checkpoint, and saying so beats an empty overview (the CLI warns and exits 3 instead).
    if (!cp.archive.imageNames().some((n) => n.endsWith('.img'))) {
      cp.close();
      rootfs?.close();
      throw new KensaError('format', 'not a checkpoint: no CRIU images (*.img) in it: choose the checkpoint archive (tar, tar.gz, tar.zst) or its folder of images', { source: file });
    }
    return { cp, rootfs };
  });
}

/** The session of a freshly opened checkpoint; the archive's hash is known when opening computed it. */
export function newSession(cp: Checkpoint, rootfs: Rootfs | undefined, rootfsPath: string | undefined): OpenSession {
  const hashes: EvidenceHash[] = [];
  if (cp.archive.compressedSha256) hashes.push({ path: cp.source, size: fs.statSync(cp.source).size, sha256: cp.archive.compressedSha256 });
  return {
    cp,
    rootfs,
    hashes,
    info: {
      archive: cp.source,
      ...(rootfsPath ? { rootfs: rootfsPath } : {}),
      layout: cp.archive.format,
      openedAt: new Date().toISOString(),
      processes: cp.processList().length,
      problems: [],
    },
  };
}

/**
 * SHA-256 of the evidence as a task: the archive file (known already when opening hashed it), or every
 * regular file of an evidence folder, listed as a case records them (path bytes order, symlinks not followed).
 */
export async function hashSessionEvidence(s: OpenSession, tasks: TaskRegistry, taskId: string | undefined): Promise<EvidenceHash[]> {
  const source = s.cp.source;
  return tasks.run(taskId, 'hashing the evidence', async (task) => {
    const st = fs.statSync(source);
    if (!st.isDirectory()) {
      const known = s.hashes.find((h) => h.path === source);
      if (known) return [known];
      const { sha256 } = await sha256File(source, {
        onProgress: (done, total) => {
          task.progress(done, total, 'hashing');
          task.check();
        },
      });
      return [{ path: source, size: st.size, sha256 }];
    }
    const files = listFolder(source)
      .filter((e) => e.kind === 'file')
      .map((e) => ({ path: path.join(source, e.rel), size: e.size ?? 0 }));
    const total = files.reduce((n, f) => n + f.size, 0);
    let base = 0;
    const out: EvidenceHash[] = [];
    for (const f of files) {
      task.check();
      const { sha256 } = await sha256File(f.path, {
        onProgress: (done) => {
          task.progress(base + done, total, 'hashing');
          task.check();
        },
      });
      base += f.size;
      out.push({ path: f.path, size: f.size, sha256 });
    }
    task.progress(total, total, 'hashing');
    return out;
  });
}
