/** The tool's name and version as recorded in cases and reports (from package.json). */
export const TOOL_NAME = 'kensa';

export const TOOL_VERSION: string = (() => {
  try {
    // Compiled to dist/main/core/evidence/version.js; package.json is four levels up in both the source
    // tree and dist/.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export function toolString(): string {
  return `${TOOL_NAME} ${TOOL_VERSION}`;
}
