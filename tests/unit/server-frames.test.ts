import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { parseClientFrame, parseServerFrame } from '../../web/protocol/server-frames.ts';

const peer = toBase64Url(new Uint8Array(32).fill(1));
const sid = toBase64Url(new Uint8Array(16).fill(2));
const sig = toBase64Url(new Uint8Array(64).fill(3));
const offer = { kind: 'offer', sid, ts: 1, sdp: 'v=0\r\n', sig };

describe('parseClientFrame', () => {
  it('accepts each frame type and drops unknown fields', () => {
    const parsed = parseClientFrame(JSON.stringify({ t: 'signal', to: peer, from: 'spoofed', data: { ...offer, extra: 1 } }));
    expect(parsed).toEqual({ ok: true, frame: { t: 'signal', to: peer, data: offer } });
    expect(parseClientFrame(JSON.stringify({ t: 'watch', ids: [peer] })).ok).toBe(true);
    expect(parseClientFrame(JSON.stringify({ t: 'ping', n: 3 })).ok).toBe(true);
    expect(parseClientFrame(JSON.stringify({ t: 'auth', v: 1, id: peer, sig })).ok).toBe(true);
  });

  it('accepts a hangup and an ICE restart request, each naming a valid session', () => {
    for (const kind of ['hangup', 'restart']) {
      expect(parseClientFrame(JSON.stringify({ t: 'signal', to: peer, data: { kind, sid } }))).toEqual({
        ok: true,
        frame: { t: 'signal', to: peer, data: { kind, sid } },
      });
      expect(parseClientFrame(JSON.stringify({ t: 'signal', to: peer, data: { kind, sid: 'short' } }))).toMatchObject({ ok: false, code: 'bad_frame' });
    }
  });

  it('gives a stable code for each kind of bad input', () => {
    expect(parseClientFrame('{nope')).toMatchObject({ ok: false, code: 'bad_json' });
    expect(parseClientFrame('[]')).toMatchObject({ ok: false, code: 'unknown_type' });
    expect(parseClientFrame('null')).toMatchObject({ ok: false, code: 'unknown_type' });
    expect(parseClientFrame(JSON.stringify({ t: 'deliver' }))).toMatchObject({ ok: false, code: 'unknown_type' });
    expect(parseClientFrame(JSON.stringify({ t: 'signal', to: 'short', data: offer }))).toMatchObject({ ok: false, code: 'bad_frame' });
    expect(parseClientFrame(JSON.stringify({ t: 'auth', v: 2, id: peer, sig }))).toMatchObject({ ok: false, code: 'bad_frame' });
    expect(parseClientFrame(JSON.stringify({ t: 'signal', to: peer, data: { ...offer, kind: 'renegotiate' } }))).toMatchObject({
      ok: false,
      code: 'bad_frame',
    });
    expect(parseClientFrame(JSON.stringify({ t: 'signal', to: peer, data: { ...offer, sdp: 'x'.repeat(40_000) } }))).toMatchObject({
      ok: false,
      code: 'bad_frame',
    });
    expect(parseClientFrame(JSON.stringify({ t: 'ping', n: -1 }))).toMatchObject({ ok: false, code: 'bad_frame' });
  });
});

describe('parseServerFrame', () => {
  it('accepts server frames and rejects unknown error codes', () => {
    expect(parseServerFrame(JSON.stringify({ t: 'signal', from: peer, data: offer })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ t: 'error', code: 'peer_offline', message: 'x', ref: peer })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ t: 'error', code: 'made_up', message: 'x' })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ t: 'auth', v: 1, id: peer, sig })).ok).toBe(false);
  });
});
