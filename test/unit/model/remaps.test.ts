/**
 * Issue 10 §3: conflicting remaps for one file id are not merged silently. criu-dir's counter executable
 * (pid 3's exe) is marked deleted twice in a remap-fpath.img made with the encoder, with two different ghost
 * images: the problem names the image, the offset and both entries, and the later remap is the one used
 * (as CRIU's restore would); the same remap written twice is no conflict.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeImage } from '../../../main/core/criu';
import { kensa } from '../../helpers';
import { ghostImage } from '../memory/ghost-synth';
import { criuDirCopy, readMm } from './mm-synth';

function withRemaps(remaps: Array<{ remap_id: number; content?: string }>): { dir: string; fileId: number } {
  const dir = criuDirCopy('kensa-remaps-');
  const fileId = Number(readMm(dir, 3)['exe_file_id']);
  for (const r of remaps) if (r.content !== undefined) fs.writeFileSync(path.join(dir, `ghost-file-${r.remap_id.toString(16)}.img`), ghostImage(Buffer.from(r.content), 'raw'));
  fs.writeFileSync(path.join(dir, 'remap-fpath.img'), encodeImage({ magicName: 'REMAP_FPATH', entries: remaps.map((r) => ({ orig_id: fileId, remap_id: r.remap_id, remap_type: 1 })) }));
  return { dir, fileId };
}

test('two different remaps for one file id: warned with both entries, the later one used', () => {
  const { dir, fileId } = withRemaps([{ remap_id: 1, content: 'first ghost' }, { remap_id: 2, content: 'second ghost' }]);
  const ls = kensa(['ls', dir, 'deleted']);
  assert.equal(ls.status, 3, ls.stderr);
  const warning = new RegExp(
    `^kensa: warning: .*remap-fpath\\.img @\\d+: file id ${fileId} \\(/srv/kensa-demo/counter\\) has conflicting remaps: entry 1 \\(ghost, remap id 0x1\\) and entry 2 \\(ghost, remap id 0x2\\); the later is used`,
    'm',
  );
  assert.match(ls.stderr, warning);
  assert.equal(ls.stdout.split('\n').filter((l) => l.includes('/srv/kensa-demo/counter')).length, 1, `one deleted file, not two:\n${ls.stdout}`);
  const cat = kensa(['cat', dir, `deleted:#${fileId}`]);
  assert.equal(cat.stdout, 'second ghost');
  assert.match(cat.stderr, warning);
});

test('the same remap twice is no conflict', () => {
  const { dir } = withRemaps([{ remap_id: 1, content: 'only ghost' }, { remap_id: 1 }]);
  const ls = kensa(['ls', dir, 'deleted']);
  assert.doesNotMatch(ls.stderr, /conflicting remaps/);
  assert.equal(ls.stdout.split('\n').filter((l) => l.includes('/srv/kensa-demo/counter')).length, 1);
});
