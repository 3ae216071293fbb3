/**
 * Bundles the renderer for both hosts (the Electron kensa:// protocol and `kensa serve`): everything in
 * one local bundle, no CDN, relative asset paths (the page is served from different origins), output in
 * dist/renderer/web (dist/renderer itself also holds tsc's copies of the renderer's pure modules, which
 * the Node tests import).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  // `#shared/…` is package.json's "imports" entry; its "default" target is Node's compiled copy, so the
  // bundle takes the TypeScript source of shared/ instead.
  resolve: { alias: [{ find: /^#shared\//, replacement: fileURLToPath(new URL('..', import.meta.url)) + '/shared/' }] },
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // One bundle: the app loads nothing from anywhere else, and modulepreload polyfills would inline script.
    modulePreload: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2048,
  },
});
