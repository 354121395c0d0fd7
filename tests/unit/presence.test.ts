import { describe, expect, it } from 'vitest';
import { PresenceRegistry } from '../../signal-server/presence.ts';

// Connections are opaque to the registry; strings stand in for them.
const ALICE = 'alice-id';
const BOB = 'bob-id';

describe('PresenceRegistry', () => {
  it('routes an online ID to its connection', () => {
    const registry = new PresenceRegistry<string>();
    expect(registry.connectionOf(ALICE)).toBeUndefined();
    registry.connect(ALICE, 'a1');
    expect(registry.connectionOf(ALICE)).toBe('a1');
    registry.disconnect(ALICE, 'a1');
    expect(registry.connectionOf(ALICE)).toBeUndefined();
  });

  it('answers watch with the current state of each ID once', () => {
    const registry = new PresenceRegistry<string>();
    registry.connect(ALICE, 'a1');
    expect(registry.watch('w', [ALICE, BOB, ALICE])).toEqual([
      { id: ALICE, online: true },
      { id: BOB, online: false },
    ]);
  });

  it('tells the watchers of an ID when it comes online and goes offline', () => {
    const registry = new PresenceRegistry<string>();
    registry.watch('w1', [ALICE]);
    registry.watch('w2', [ALICE, BOB]);
    registry.watch('w3', [BOB]);
    expect(registry.connect(ALICE, 'a1')).toEqual({ replaced: undefined, notify: ['w1', 'w2'] });
    expect(registry.disconnect(ALICE, 'a1')).toEqual({ notify: ['w1', 'w2'] });
  });

  it('replaces an older connection without telling anyone', () => {
    const registry = new PresenceRegistry<string>();
    registry.watch('w', [ALICE]);
    registry.connect(ALICE, 'a1');
    expect(registry.connect(ALICE, 'a2')).toEqual({ replaced: 'a1', notify: [] });
    // The replaced connection closing later must not take the ID offline.
    expect(registry.disconnect(ALICE, 'a1')).toEqual({ notify: [] });
    expect(registry.connectionOf(ALICE)).toBe('a2');
    expect(registry.disconnect(ALICE, 'a2')).toEqual({ notify: ['w'] });
  });

  it('treats connecting the same connection twice as no change', () => {
    const registry = new PresenceRegistry<string>();
    registry.watch('w', [ALICE]);
    registry.connect(ALICE, 'a1');
    expect(registry.connect(ALICE, 'a1')).toEqual({ replaced: undefined, notify: [] });
  });

  it('replaces the watched set on each watch', () => {
    const registry = new PresenceRegistry<string>();
    registry.watch('w', [ALICE]);
    registry.watch('w', [BOB]);
    expect(registry.connect(ALICE, 'a1').notify).toEqual([]);
    expect(registry.connect(BOB, 'b1').notify).toEqual(['w']);
  });

  it('forgets every watch of a connection that is gone', () => {
    const registry = new PresenceRegistry<string>();
    registry.watch('w', [ALICE, BOB]);
    registry.unwatchAll('w');
    registry.unwatchAll('w'); // twice is harmless
    expect(registry.connect(ALICE, 'a1').notify).toEqual([]);
    expect(registry.connect(BOB, 'b1').notify).toEqual([]);
  });
});
