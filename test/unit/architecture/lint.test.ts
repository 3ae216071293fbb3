/**
 * The layer map is enforced by the linter (eslint.config.mjs), not by convention: these snippets, linted
 * with the real config as if they were files of the tree, must each be refused by the rule that guards that
 * layer, and a correct import must pass. (`npm run lint` runs the same config over the whole tree in CI.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from '../../helpers';

interface LintMessage {
  ruleId: string | null;
  message: string;
}
interface LintEngine {
  lintText(code: string, options: { filePath: string }): Promise<{ messages: LintMessage[] }[]>;
}

// The lint toolchain is the `lint/` npm workspace; resolve ESLint from there, as eslint.config.mjs does.
const { ESLint } = createRequire(path.join(REPO, 'lint', 'package.json'))('eslint') as {
  ESLint: new (options: { cwd: string }) => LintEngine;
};
const eslint = new ESLint({ cwd: REPO });

async function lint(file: string, code: string): Promise<LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO, file) });
  return result.messages;
}

function rules(messages: LintMessage[]): string[] {
  return [...new Set(messages.map((m) => m.ruleId ?? `fatal: ${m.message}`))].sort();
}

test('lint: main/core importing the CLI, the services, the server, gdb or Electron is refused', async () => {
  const cases: [string, string][] = [
    ['main/core/model/layer-probe.ts', "import { run } from '../../cli/main';\nexport const x = run;\n"],
    ['main/core/model/layer-probe.ts', "import { KensaServices } from '../../services/kensa-services';\nexport const x = KensaServices;\n"],
    ['main/core/memory/layer-probe.ts', "import { tokenCookie } from '../../server/server';\nexport const x = tokenCookie;\n"],
    ['main/core/elfcore/layer-probe.ts', "import { GdbSessionManager } from '../../gdb/gdb-sessions';\nexport const x = GdbSessionManager;\n"],
  ];
  for (const [file, code] of cases) {
    const messages = await lint(file, code);
    assert.ok(rules(messages).includes('import-x/no-restricted-paths'), `${file}: ${code.split('\n')[0]} → ${JSON.stringify(messages)}`);
  }
  const electron = await lint('main/core/io/layer-probe.ts', "import { app } from 'electron';\nexport const x = app;\n");
  assert.ok(rules(electron).includes('no-restricted-imports'), JSON.stringify(electron));
});

test('lint: main/core folders are layered (memory never imports the model, the model never imports cores or evidence)', async () => {
  const cases: [string, string][] = [
    ['main/core/memory/layer-probe.ts', "import { Checkpoint } from '../model/checkpoint';\nexport const x = Checkpoint;\n"],
    ['main/core/model/layer-probe.ts', "import { writeCore } from '../elfcore/write-core';\nexport const x = writeCore;\n"],
    ['main/core/archive/layer-probe.ts', "import { AddressSpace } from '../memory/address-space';\nexport const x = AddressSpace;\n"],
    ['main/core/io/layer-probe.ts', "import { decodeImage } from '../criu';\nexport const x = decodeImage;\n"],
  ];
  for (const [file, code] of cases) {
    const messages = await lint(file, code);
    assert.ok(rules(messages).includes('import-x/no-restricted-paths'), `${file}: ${code.split('\n')[0]} → ${JSON.stringify(messages)}`);
  }
  // Downward imports pass: the model builds address spaces, evidence reads the model.
  assert.deepEqual(await lint('main/core/model/layer-probe.ts', "import { AddressSpace } from '../memory/address-space';\nexport const x = AddressSpace;\n"), []);
  assert.deepEqual(await lint('main/core/evidence/layer-probe.ts', "import { Checkpoint } from '../model/checkpoint';\nexport const x = Checkpoint;\n"), []);
});

test('lint: the renderer and shared/ never import Node built-ins or main/', async () => {
  const fsInRenderer = await lint('renderer/util/layer-probe.ts', "import * as fs from 'node:fs';\nexport const x = fs;\n");
  assert.ok(rules(fsInRenderer).includes('import-x/no-nodejs-modules'), JSON.stringify(fsInRenderer));
  const mainInRenderer = await lint('renderer/util/layer-probe.ts', "import { formatBytes } from '../../main/core/errors';\nexport const x = formatBytes;\n");
  assert.ok(rules(mainInRenderer).includes('import-x/no-restricted-paths'), JSON.stringify(mainInRenderer));
  const pathInShared = await lint('shared/layer-probe.ts', "import * as path from 'path';\nexport const x = path;\n");
  assert.ok(rules(pathInShared).includes('import-x/no-nodejs-modules'), JSON.stringify(pathInShared));
  const coreInShared = await lint('shared/layer-probe.ts', "import { KensaError } from '../main/core/errors';\nexport const x = KensaError;\n");
  assert.ok(rules(coreInShared).includes('import-x/no-restricted-paths'), JSON.stringify(coreInShared));
});

test('lint: an import cycle is refused, an unresolvable import is refused, a correct import passes', async () => {
  // main/core/model/images.ts imports ../errors: errors importing it back closes a cycle.
  const cycle = await lint('main/core/errors.ts', "import { ImageStore } from './model/images';\nexport const x = ImageStore;\n");
  assert.ok(rules(cycle).includes('import-x/no-cycle'), JSON.stringify(cycle));
  // An import the resolver cannot find would slip past the zone rules; it is an error of its own.
  const missing = await lint('main/core/model/layer-probe.ts', "import { nothing } from '../no-such-module';\nexport const x = nothing;\n");
  assert.ok(rules(missing).includes('import-x/no-unresolved'), JSON.stringify(missing));
  const fine = await lint('main/cli/commands/layer-probe.ts', "import { KensaError } from '../../core/errors';\nimport { formatBytes } from '#shared/format';\nexport const x = [KensaError, formatBytes];\n");
  assert.deepEqual(fine, []);
});

test('lint: shared/ is imported as #shared/… from main/ and renderer/, never by a relative path; the name resolves to the source', async () => {
  for (const [file, code] of [
    ['main/cli/commands/layer-probe.ts', "import { formatBytes } from '../../../shared/format';\nexport const x = formatBytes;\n"],
    ['main/electron/layer-probe.ts', "import type { PreloadBridge } from '../../shared/api/bridge';\nexport type X = PreloadBridge;\n"],
    ['renderer/util/layer-probe.ts', "import { formatBytes } from '../../shared/format';\nexport const x = formatBytes;\n"],
  ]) {
    const messages = await lint(file, code);
    assert.ok(rules(messages).includes('no-restricted-imports'), `${file}: ${JSON.stringify(messages)}`);
  }
  assert.deepEqual(await lint('renderer/util/layer-probe.ts', "import { formatBytes } from '#shared/format';\nexport const x = formatBytes;\n"), []);
  // Inside shared/ a relative import is the way (it never leaves the folder).
  assert.deepEqual(await lint('shared/api/layer-probe.ts', "import { formatBytes } from '../format';\nexport const x = formatBytes;\n"), []);
  // The name resolves like any import (to shared/'s source, through package.json's "types" condition): a
  // misspelt one is an error, not an import the zone rules cannot see.
  const missing = await lint('main/cli/layer-probe.ts', "import { nothing } from '#shared/no-such-module';\nexport const x = nothing;\n");
  assert.ok(rules(missing).includes('import-x/no-unresolved'), JSON.stringify(missing));
});

test('lint: an eslint-disable comment that suppresses nothing is itself an error', async () => {
  const messages = await lint('shared/layer-probe.ts', '// eslint-disable-next-line @typescript-eslint/no-explicit-any\nexport const x = 1;\n');
  assert.equal(messages.length, 1, JSON.stringify(messages));
  assert.match(messages[0].message, /Unused eslint-disable directive/);
});
