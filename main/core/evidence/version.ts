/** The tool's name and version as recorded in cases and reports (from package.json). */
export const TOOL_NAME = 'kensa';

export const TOOL_VERSION: string = (() => {
  try {
    // The one reader of the version (CLI, services, cases and reports use it). Run as
    // dist/main/core/evidence/version.js, four levels below the package root, so the path is the compiled
    // file's (the linter resolves it from the source tree, where it does not exist).
    // eslint-disable-next-line @typescript-eslint/no-require-imports, import-x/no-unresolved
    return (require('../../../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export function toolString(): string {
  return `${TOOL_NAME} ${TOOL_VERSION}`;
}
