/**
 * The contract suite over the Electron binding, in plain Node: a fake ipcMain / ipcRenderer pair that
 * behaves like Electron's (invoke/handle with a sender and its frame, send/on for events, structured clone),
 * the real main/electron/ipc-bind.ts, the real preload bridge (main/preload) and the renderer's Electron
 * adapter (renderer/transport/electron-transport.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KensaServices } from '../../../main/services/kensa-services';
import { bindIpc, type IpcMainLike, type InvokeEventLike, type WebContentsLike } from '../../../main/electron/ipc-bind';
import { createBridge, PRELOAD_IPC_CALL, PRELOAD_IPC_EVENT, type IpcRendererLike } from '../../../main/preload/index';
import { connectElectron } from '../../../renderer/transport/electron-transport';
import { IPC_CALL, IPC_EVENT } from '../../../shared/api/bridge';
import type { Result } from '../../../shared/api/contract';
import { TEST_CACHE } from '../../helpers';
import { contractSuite } from './contract-suite';

/** One renderer (web contents + frame) wired to a fake ipcMain, with Electron's cloning semantics. */
export class FakeElectron {
  private readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  private readonly rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  readonly ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      this.handlers.set(channel, listener);
    },
    removeHandler: (channel) => void this.handlers.delete(channel),
  };
  frameUrl = 'kensa://app/index.html';
  frameParent: unknown | null = null;
  readonly contents: WebContentsLike = {
    id: 1,
    isDestroyed: () => false,
    send: (channel, ...args) => {
      const cloned = structuredClone(args);
      for (const l of this.rendererListeners.get(channel) ?? []) l({ sender: 'ipcRenderer' }, ...cloned);
    },
  };
  readonly ipcRenderer: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      const h = this.handlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      const event: InvokeEventLike = { sender: this.contents, senderFrame: { url: this.frameUrl, parent: this.frameParent } };
      return structuredClone(await h(event, ...structuredClone(args)));
    },
    on: (channel, listener) => {
      let s = this.rendererListeners.get(channel);
      if (!s) this.rendererListeners.set(channel, (s = new Set()));
      s.add(listener);
    },
    removeListener: (channel, listener) => void this.rendererListeners.get(channel)?.delete(listener),
  };
}

contractSuite('electron-ipc', 'electron', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE, transport: 'electron' });
  const fake = new FakeElectron();
  const binding = bindIpc(fake.ipcMain, services);
  binding.addWindow(fake.contents);
  const bridge = createBridge(fake.ipcRenderer);
  const client = connectElectron(bridge);
  return {
    client,
    rawCall: (method, arg) => fake.ipcRenderer.invoke(IPC_CALL, method, arg) as Promise<Result<unknown>>,
    close: () => {
      binding.dispose();
      services.dispose();
    },
  };
});

test('electron-ipc: the preload repeats the shared channel names exactly', () => {
  assert.equal(PRELOAD_IPC_CALL, IPC_CALL);
  assert.equal(PRELOAD_IPC_EVENT, IPC_EVENT);
});

test('electron-ipc: calls from another page, a subframe or an unknown window are refused before any work', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE, transport: 'electron' });
  let opened = 0;
  const realOpen = services.openArchive.bind(services);
  services.openArchive = async (req) => {
    opened++;
    return realOpen(req);
  };
  const fake = new FakeElectron();
  const binding = bindIpc(fake.ipcMain, services);
  const call = (): Promise<Result<unknown>> => fake.ipcRenderer.invoke(IPC_CALL, 'openArchive', { path: '/nonexistent' }) as Promise<Result<unknown>>;
  try {
    // Not registered as an app window yet.
    let r = await call();
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /refused/);
    binding.addWindow(fake.contents);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'kensa://evil/index.html', 'devtools://devtools/x', 'not a url']) {
      fake.frameUrl = url;
      r = await call();
      assert.equal(r.ok, false, url);
      assert.match(!r.ok ? r.error.message : '', /refused/, url);
    }
    fake.frameUrl = 'kensa://app/index.html';
    fake.frameParent = { url: 'kensa://app/index.html' };
    r = await call();
    assert.match(!r.ok ? r.error.message : '', /refused/, 'subframe');
    assert.equal(opened, 0, 'no refused call reached the services');
    fake.frameParent = null;
    r = await call();
    assert.equal(!r.ok && r.error.kind, 'io', 'the trusted main frame gets the real answer');
    assert.equal(opened, 1);
    // A closed window stops receiving and calling.
    binding.removeWindow(fake.contents);
    r = await call();
    assert.match(!r.ok ? r.error.message : '', /refused/);
  } finally {
    binding.dispose();
    services.dispose();
  }
});

test('electron-ipc: event listeners get only the payload, and unsubscribe', async () => {
  const fake = new FakeElectron();
  const bridge = createBridge(fake.ipcRenderer);
  const got: unknown[][] = [];
  const off = bridge.onEvent((name, payload) => got.push([name, payload]));
  fake.contents.send(IPC_EVENT, 'session', null);
  off();
  fake.contents.send(IPC_EVENT, 'session', null);
  assert.deepEqual(got, [['session', null]]);
  assert.equal(bridge.pathForFile({}), '', 'no path without Electron');
});
