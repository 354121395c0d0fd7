import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { SERVER_LIMITS } from '../../web/protocol/limits.ts';
import { parseClientFrame, parseServerFrame, serverFrame } from '../../web/protocol/server-frames.ts';

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

describe('prekey frames', () => {
  const key = (n: number): string => toBase64Url(new Uint8Array(32).fill(n));
  const signed = { id: 7, key: key(4), createdAt: 1_700_000_000_000, sig };
  const oneTime = (n: number): { id: number; key: string }[] => Array.from({ length: n }, (_, i) => ({ id: i, key: key(i) }));
  const publish = (fields: object): string => JSON.stringify({ t: 'prekeys', signed, oneTime: oneTime(2), ...fields });
  const withSigned = (fields: object): string => publish({ signed: { ...signed, ...fields } });
  const withOneTime = (fields: object): string => publish({ oneTime: [{ id: 1, key: key(1), ...fields }] });

  it('accepts a publication, up to the per-frame limit, and drops unknown fields', () => {
    const parsed = parseClientFrame(JSON.stringify({ t: 'prekeys', from: peer, signed: { ...signed, extra: 1 }, oneTime: [{ id: 0, key: key(0), note: 'x' }] }));
    expect(parsed).toStrictEqual({ ok: true, frame: { t: 'prekeys', signed, oneTime: [{ id: 0, key: key(0) }] } });
    expect(parseClientFrame(publish({ oneTime: [] })).ok).toBe(true);
    expect(parseClientFrame(publish({ oneTime: oneTime(SERVER_LIMITS.maxOneTimePrekeysPerFrame) })).ok).toBe(true);
    expect(parseClientFrame(withSigned({ id: 0xffff_ffff })).ok).toBe(true);
    expect(parseClientFrame(withOneTime({ id: 0 })).ok).toBe(true);
  });

  it.each([
    ['too many one-time prekeys', publish({ oneTime: oneTime(SERVER_LIMITS.maxOneTimePrekeysPerFrame + 1) })],
    ['no signed prekey', publish({ signed: undefined })],
    ['no one-time list', publish({ oneTime: undefined })],
    ['a one-time object instead of a list', publish({ oneTime: { id: 1, key: key(1) } })],
    ['a key of 31 bytes', withSigned({ key: toBase64Url(new Uint8Array(31)) })],
    ['a key of 33 bytes', withOneTime({ key: toBase64Url(new Uint8Array(33)) })],
    ['a key with non-canonical trailing bits', withOneTime({ key: `${key(0).slice(0, 42)}B` })],
    ['a key in standard base64', withSigned({ key: `+${key(0).slice(1)}` })],
    ['a signature of 63 bytes', withSigned({ sig: toBase64Url(new Uint8Array(63)) })],
    ['a signature of 65 bytes', withSigned({ sig: toBase64Url(new Uint8Array(65)) })],
    ['a negative ID', withOneTime({ id: -1 })],
    ['a fractional ID', withSigned({ id: 1.5 })],
    ['an ID over 32 bits', withOneTime({ id: 0x1_0000_0000 })],
    ['an ID as text', withSigned({ id: '7' })],
    ['a negative creation time', withSigned({ createdAt: -1 })],
    ['a creation time past 2^53', withSigned({ createdAt: 2 ** 60 })],
    ['a bundle request for a bad ID', JSON.stringify({ t: 'bundle', peer: 'short' })],
    ['a bundle request without a peer', JSON.stringify({ t: 'bundle' })],
  ])('refuses %s with bad_frame', (_, raw) => {
    expect(parseClientFrame(raw)).toMatchObject({ ok: false, code: 'bad_frame' });
  });

  it('accepts a bundle request and drops unknown fields', () => {
    expect(parseClientFrame(JSON.stringify({ t: 'bundle', peer, oneTime: 3 }))).toStrictEqual({ ok: true, frame: { t: 'bundle', peer } });
  });

  it('parses the server frames, a bundle with or without a one-time prekey', () => {
    const bundle = { t: 'bundle', peer, signed };
    expect(parseServerFrame(JSON.stringify(bundle))).toStrictEqual({ ok: true, frame: bundle });
    expect(parseServerFrame(JSON.stringify({ ...bundle, oneTime: { id: 3, key: key(3) } })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ ...bundle, oneTime: { id: 3 } })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ t: 'prekeys_low', count: 0 })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ t: 'prekeys_stored', count: 200 })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ t: 'prekeys_low', count: -1 })).ok).toBe(false);
    for (const code of ['prekey_limit', 'no_prekeys']) {
      expect(parseServerFrame(JSON.stringify({ t: 'error', code, message: 'x', ref: peer })).ok).toBe(true);
    }
    // The builder copies only the fields of the protocol.
    const built = serverFrame.bundle({ peer, signed: { ...signed, extra: 1 } as typeof signed, oneTime: { id: 1, key: key(1), x: 2 } as { id: number; key: string } });
    expect(built).toStrictEqual({ t: 'bundle', peer, signed, oneTime: { id: 1, key: key(1) } });
  });
});
