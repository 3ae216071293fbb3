/**
 * The pyworker fixture (test/fixtures/pyworker): a five-thread CPython 3.11.2 checkpoint, the cut-down image
 * rootfs holding its interpreter, and the program's own record of its stacks (truth/stacks-full.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { openRootfs, type Rootfs } from '../../../main/core/rootfs/rootfs';
import { LOCAL_FIXTURES, TEST_CACHE } from '../../helpers';

export const PYWORKER_DIR = path.join(LOCAL_FIXTURES, 'pyworker');
export const PYWORKER = path.join(PYWORKER_DIR, 'pyworker.tar.zst');
export const PYWORKER_ROOTFS = path.join(PYWORKER_DIR, 'rootfs-python.tar.zst');

export interface TruthLocal {
  type: string;
  repr: string;
  id: string;
}
export interface TruthFrame {
  function: string;
  qualname: string;
  file: string;
  line: number;
  code_firstlineno: number;
  locals?: Record<string, TruthLocal>;
}
export interface TruthThread {
  name: string;
  ident: number;
  ident_hex: string;
  native_id: number;
  is_main: boolean;
  frames_outermost_first: TruthFrame[];
}
export interface TruthTask {
  name: string;
  id: string;
  coroutine_chain_outermost_first: (TruthFrame & { coroutine_id?: string; awaiting?: string; type?: string; id?: string })[];
}
export interface Truth {
  asyncio_loop: { thread: string; tasks: TruthTask[] };
  python_version: string;
  hexversion: string;
  executable: string;
  threads: TruthThread[];
}

export function truth(): Truth {
  return JSON.parse(fs.readFileSync(path.join(PYWORKER_DIR, 'truth', 'stacks-full.json'), 'utf8')) as Truth;
}

export async function openPyworker(): Promise<{ cp: Checkpoint; rootfs: Rootfs; close: () => void }> {
  const rootfs = await openRootfs(PYWORKER_ROOTFS, { cacheDir: TEST_CACHE });
  const cp = await Checkpoint.open(PYWORKER, { rootfs, cacheDir: TEST_CACHE });
  return {
    cp,
    rootfs,
    close: () => {
      cp.close();
      rootfs.close();
    },
  };
}
