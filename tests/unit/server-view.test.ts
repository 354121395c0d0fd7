import { describe, expect, it } from 'vitest';
import { describeServer } from '../../web/state/server-view.ts';

describe('describeServer', () => {
  const base = { networkOnline: true, failedBefore: false };

  it('says Connecting only until the first attempt fails, then that the server is unreachable', () => {
    expect(describeServer({ ...base, signaling: 'connecting' })).toEqual({ text: 'Connecting to server…', ok: false });
    expect(describeServer({ ...base, signaling: 'offline' }).text).toBe('Server unreachable: retrying…');
    expect(describeServer({ ...base, signaling: 'connecting', failedBefore: true }).text).toBe('Server unreachable: retrying…');
    expect(describeServer({ ...base, signaling: 'online', failedBefore: true })).toEqual({ text: 'Connected', ok: true });
  });

  it('blames the network, not the server, when the browser has none', () => {
    for (const signaling of ['connecting', 'offline'] as const) {
      expect(describeServer({ ...base, signaling, networkOnline: false, failedBefore: true }).text).toBe('Offline: no network');
    }
  });

  it('says when another tab has taken over', () => {
    expect(describeServer({ ...base, signaling: 'replaced', networkOnline: false }).text).toBe('Open in another tab');
  });
});
