/**
 * The desktop app's command line: `kensa-workstation [ARCHIVE] [--rootfs PATH]` when packaged (argv[0] is
 * the binary), `electron APPDIR [ARCHIVE] [--rootfs PATH]` in development (argv[1] is the app folder).
 * Chromium's own switches (`--no-sandbox`, ...) are ignored.
 */
export function parseArgs(argv: string[], packaged: boolean): { archive?: string; rootfs?: string } {
  const args = argv.slice(packaged ? 1 : 2);
  const out: { archive?: string; rootfs?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--rootfs') out.rootfs = args[++i];
    else if (a.startsWith('--rootfs=')) out.rootfs = a.slice('--rootfs='.length);
    else if (a.startsWith('-')) continue;
    else if (!out.archive) out.archive = a;
  }
  return out;
}
