import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { db, TincanDb, V1_STORES } from '../../web/storage/db.ts';
import { DEFAULT_SETTINGS, loadSettings, saveSetting } from '../../web/storage/settings.ts';

// Device settings in IndexedDB (fake-indexeddb here; the privacy end-to-end test reads the same
// setting back from Chromium's IndexedDB after a restart), and the schema upgrade that added them.

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
});

describe('settings', () => {
  it('reads the defaults when nothing was saved', async () => {
    expect(await loadSettings()).toEqual({
      relayOnly: false,
      signalingUrl: null,
      iceServers: [],
      theme: 'system',
      readReceipts: true,
      notifications: true,
      notificationText: true,
      notificationPromptDone: false,
    });
  });

  it('keeps what was saved, and a change replaces it', async () => {
    await saveSetting('relayOnly', true);
    expect(await loadSettings()).toEqual({ ...DEFAULT_SETTINGS, relayOnly: true });
    await saveSetting('readReceipts', false);
    await saveSetting('notificationText', false);
    expect(await loadSettings()).toEqual({ ...DEFAULT_SETTINGS, relayOnly: true, readReceipts: false, notificationText: false });
    await saveSetting('relayOnly', false);
    expect(await loadSettings()).toEqual({ ...DEFAULT_SETTINGS, readReceipts: false, notificationText: false });
    expect(await db.settings.count()).toBe(1);
  });

  it('keeps each setting beside the others', async () => {
    const iceServers = [{ urls: 'turn:turn.example.org:3478', username: 'u', credential: 'c' }];
    await saveSetting('signalingUrl', 'wss://chat.example/ws');
    await saveSetting('iceServers', iceServers);
    await saveSetting('theme', 'dark');
    await saveSetting('relayOnly', true);
    expect(await loadSettings()).toEqual({ ...DEFAULT_SETTINGS, relayOnly: true, signalingUrl: 'wss://chat.example/ws', iceServers, theme: 'dark' });
    await saveSetting('signalingUrl', null);
    expect((await loadSettings()).signalingUrl).toBeNull();
  });

  it('reads a default for a setting the stored row does not have yet, or holds a value it does not know', async () => {
    await db.settings.put({ key: 'device' });
    expect(await loadSettings()).toEqual(DEFAULT_SETTINGS);
    await db.settings.put({ key: 'device', theme: 'sepia' as never });
    expect((await loadSettings()).theme).toBe('system');
  });
});

describe('upgrade from schema version 1 to the current one', () => {
  const name = 'tincan-upgrade-test';
  afterEach(() => Dexie.delete(name));

  it('keeps every version 1 row, adds empty settings, sessions and prekeys tables, and indexes messages by state', async () => {
    const peer = toBase64Url(new Uint8Array(32).fill(7));
    const v1 = new Dexie(name);
    v1.version(1).stores(V1_STORES);
    await v1.table('identity').put({ key: 'self', id: peer, name: 'Alice', publicKey: new Uint8Array(32), secretKey: new Uint8Array(64), createdAt: 1 });
    await v1.table('contacts').put({ id: peer, name: 'Bob', nameSource: 'user', addedAt: 2 });
    await v1.table('messages').put({ conversationId: peer, id: 'm1', direction: 'out', text: 'kept', seq: 1, sentAt: 3, sortKey: 'a0', state: 'sent' });
    await v1.table('messages').put({ conversationId: peer, id: 'm2', direction: 'in', text: 'unread', seq: 1, sentAt: 4, sortKey: 'a1', state: 'delivered' });
    await v1.table('outbox').put({ conversationId: peer, id: 'm1', seq: 1, queuedAt: 3, attempts: 0, nextAttemptAt: 3 });
    await v1.table('conversations').put({ id: peer, lastSeq: 1, lastSortKey: 'a1', unread: 1, peerSeq: 1, peerSeqAhead: [] });
    v1.close();

    const upgraded = new TincanDb(name);
    await upgraded.open();
    expect(upgraded.verno).toBe(4);
    expect((await upgraded.identity.get('self'))?.name).toBe('Alice');
    expect((await upgraded.contacts.get(peer))?.name).toBe('Bob');
    expect((await upgraded.messages.toArray()).map((m) => m.text)).toEqual(['kept', 'unread']);
    // Version 4's index holds the messages written before it existed.
    const unread = await upgraded.messages.where('[conversationId+direction+state]').equals([peer, 'in', 'delivered']).toArray();
    expect(unread.map((m) => m.text)).toEqual(['unread']);
    expect(await upgraded.outbox.count()).toBe(1);
    expect((await upgraded.conversations.get(peer))?.lastSeq).toBe(1);
    expect(await upgraded.settings.count()).toBe(0);
    expect(await upgraded.sessions.count()).toBe(0);
    expect(await upgraded.prekeys.count()).toBe(0);
    upgraded.close();
  });
});
