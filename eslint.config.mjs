/**
 * Lint: the layer map of CONTRIBUTING.md enforced on every import, plus no import cycles.
 *
 * The toolchain lives in the `lint/` npm workspace (its package.json says why: typescript-eslint needs
 * TypeScript's JavaScript API, which the TypeScript 7 compiler the project builds with does not ship), so
 * the plugins are loaded from there. Nothing here reads type information: linting stays a few seconds.
 *
 * Layers (imports flow one way): renderer → shared; main/* → main/core → shared.
 *   shared        pure TypeScript for both sides: imports only shared/ and no Node built-in
 *   renderer      the UI: imports renderer/ and shared/, no Node built-in, never main/ or Electron
 *   main/core     the library: never cli, services, server, gdb, electron, preload, renderer or 'electron'
 *   main/gdb      drives gdb: core and shared only
 *   main/services the workstation's back end: core, gdb, shared
 *   main/server   HTTP/WebSocket binding: services, core, shared
 *   main/cli      the `kensa` command: core, services, server, shared (never electron or preload)
 *   main/electron the desktop shell: services, server, shared (never cli)
 *   main/preload  the page bridge: shared and 'electron' only
 */
import { createRequire } from 'node:module';

const requireLint = createRequire(new URL('./lint/package.json', import.meta.url));
const tseslint = requireLint('typescript-eslint');
const importX = requireLint('eslint-plugin-import-x');
const { createNodeResolver } = requireLint('eslint-plugin-import-x/node-resolver');

const SOURCE = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.js', '**/*.mjs', '**/*.cjs'];

/** A zone of import-x/no-restricted-paths: files under `target` may not import anything under `from`. */
const forbid = (target, from, message) => ({ target, from, message });

/**
 * Product code names shared/ as `#shared/…` (package.json "imports": the TypeScript source for types, the
 * compiled copy in dist/shared at run time), so no file outside shared/ climbs into it by a relative path.
 */
const SHARED_BY_NAME = { regex: '^(\\.\\./)+shared(/|$)', message: "Import shared/ as '#shared/…' (package.json \"imports\"), not by a relative path." };

const MAIN_FOLDERS = ['cli', 'services', 'server', 'gdb', 'electron', 'preload'];

const zones = [
  forbid('./shared', ['./main', './renderer', './test', './build'], 'shared/ is pure: it imports only shared/.'),
  forbid('./renderer', ['./main', './test', './build'], 'The renderer talks to main/ only through shared/api (the contract).'),
  forbid(
    './main/core',
    [...MAIN_FOLDERS.map((f) => `./main/${f}`), './renderer', './test'],
    'main/core is the library: it never imports the CLI, the services, the server, gdb, Electron or the UI.',
  ),
  forbid('./main/gdb', ['./main/cli', './main/services', './main/server', './main/electron', './main/preload', './renderer'], 'main/gdb uses only main/core and shared/.'),
  forbid('./main/services', ['./main/cli', './main/server', './main/electron', './main/preload', './renderer'], 'main/services sits below the bindings (server, electron, cli).'),
  forbid('./main/server', ['./main/cli', './main/electron', './main/preload', './renderer'], 'main/server binds the services to HTTP; it never imports the CLI or Electron.'),
  forbid('./main/cli', ['./main/electron', './main/preload', './renderer'], 'The CLI runs in plain Node: no Electron, no preload, no UI code.'),
  forbid('./main/electron', ['./main/cli', './main/preload', './renderer'], 'The Electron shell uses the services and the server, not the CLI.'),
  forbid('./main/preload', ['./main/core', './main/cli', './main/services', './main/server', './main/gdb', './main/electron', './renderer'], 'The preload script is a bridge: shared/api and electron only.'),
  forbid(['./main', './shared', './renderer'], ['./test', './build'], 'Product code never imports tests or build scripts.'),
  // Inside main/core, folders are layered too (CONTRIBUTING.md): each imports only the ones below it.
  ...coreLayers([
    ['io', 'criu'],
    ['archive'],
    ['memory'],
    ['model', 'rootfs'],
    ['elfcore'],
    ['elf'],
    ['symbols'],
    ['python', 'triage'],
    ['yara'],
    ['evidence'],
  ]),
];

/**
 * Zones for main/core's folders, lowest layer first: a folder never imports a folder of its own layer or
 * of a layer above (errors.ts and cache.ts, at the top of main/core, are below them all).
 */
function coreLayers(layers) {
  const out = [];
  layers.forEach((layer, i) => {
    const above = layers.slice(i).flat();
    for (const folder of layer) {
      const from = above.filter((f) => f !== folder).map((f) => `./main/core/${f}`);
      if (from.length === 0) continue;
      out.push(forbid(`./main/core/${folder}`, from, `main/core/${folder} sits below ${from.map((f) => f.slice('./main/core/'.length)).join(', ')}: imports flow down only (CONTRIBUTING.md).`));
    }
  });
  return out;
}

export default [
  {
    ignores: ['dist/**', 'node_modules/**', 'lint/node_modules/**', 'out/**', 'test/fixtures/**', 'test/artifacts/**', 'main/core/criu/messages.generated.*'],
  },
  {
    files: SOURCE,
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2022,
      sourceType: 'module',
    },
    plugins: { 'import-x': importX, '@typescript-eslint': tseslint.plugin },
    settings: {
      // import-x parses the files an import leads to only for these extensions (no-cycle follows them).
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.mts'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.d.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.node'],
          conditionNames: ['types', 'import', 'require', 'node', 'default'],
          // Node-style ESM specifiers name the compiled file ('./schema.js' for schema.ts).
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      // Every import must resolve, or the zone rules below would silently not see it.
      'import-x/no-unresolved': ['error', { commonjs: true }],
      'import-x/no-restricted-paths': ['error', { zones, basePath: import.meta.dirname }],
      'import-x/no-cycle': ['error', { ignoreExternal: true, commonjs: true }],
      'import-x/no-self-import': 'error',
      // Lazy require() is used on purpose (start-up cost); each one says so with a disable comment.
      '@typescript-eslint/no-require-imports': 'error',
      // Input is typed where it is decoded; the few loose shapes left say so with a disable comment.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // shared/ is imported by one name from everywhere (package.json "imports"), never by a relative path.
    files: ['main/electron/**', 'main/preload/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SHARED_BY_NAME] }] },
  },
  {
    // The lowest layers never touch Electron; only main/electron and main/preload may.
    files: ['main/core/**', 'main/gdb/**', 'main/services/**', 'main/server/**', 'main/cli/**', 'shared/**', 'renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/electron and main/preload import Electron.' }], patterns: [SHARED_BY_NAME] }],
    },
  },
  {
    // The renderer runs in a sandboxed page and shared/ is used by it: no Node built-ins.
    files: ['shared/**', 'renderer/**'],
    ignores: ['renderer/vite.config.mts'],
    rules: { 'import-x/no-nodejs-modules': 'error' },
  },
  {
    // Plain CommonJS scripts (bin/, build/): require() is how they import.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
