import { describe, expect, it } from 'vitest';
import { randomId } from '../../web/crypto/random.ts';
import { fromUtf8, utf8 } from '../../web/protocol/encoding.ts';
import { decodePeerFrames, encodePeerFrame, FRAME_PACK_LIMITS, packPeerFrames, parsePeerFrames, type PeerFrame } from '../../web/protocol/peer-frames.ts';

// Peer frames arrive from the other side of an end-to-end session: authentic, but still written
// by someone else's code (or someone else's hands). Anything not exactly a known frame is null.

const message = (seq: number, text = `message ${seq}`): PeerFrame => ({ t: 'message', id: randomId(), seq, ts: 1_700_000_000_000, text });
const decodeAll = (plaintexts: Uint8Array[]): PeerFrame[] => plaintexts.flatMap((p) => decodePeerFrames(p) ?? []);

describe('packPeerFrames', () => {
  it('keeps a lone frame as its JSON object, exactly as one frame is encoded', () => {
    const frame = message(1);
    expect(packPeerFrames([frame])).toEqual([encodePeerFrame(frame)]);
  });

  it('packs a burst into as few plaintexts as the limits allow, in order, and they decode to the same frames', () => {
    const frames = Array.from({ length: FRAME_PACK_LIMITS.frames * 2 + 5 }, (_, i) => message(i + 1));
    const plaintexts = packPeerFrames(frames);
    expect(plaintexts).toHaveLength(3);
    expect(decodeAll(plaintexts)).toEqual(frames);
  });

  it('starts a new pack before the byte limit, and lets a frame bigger than it travel alone', () => {
    const big = message(2, 'é'.repeat(FRAME_PACK_LIMITS.bytes / 2 + 100)); // two bytes a character: over the limit
    const medium = Array.from({ length: 5 }, (_, i) => message(i + 3, 'y'.repeat(FRAME_PACK_LIMITS.bytes / 4)));
    const frames = [message(1), big, ...medium];
    const plaintexts = packPeerFrames(frames);
    expect(plaintexts.map((p) => decodePeerFrames(p)?.length)).toEqual([1, 1, 3, 2]);
    for (const p of plaintexts.filter((p) => decodePeerFrames(p)!.length > 1)) expect(p.length).toBeLessThanOrEqual(FRAME_PACK_LIMITS.bytes);
    expect(decodeAll(plaintexts)).toEqual(frames);
  });
});

describe('decodePeerFrames', () => {
  it('refuses a pack with any frame it does not know, an empty pack and one over the frame limit', () => {
    const good = JSON.stringify(message(1));
    expect(decodePeerFrames(utf8(`[${good},{"t":"nope"}]`))).toBeNull();
    expect(decodePeerFrames(utf8('[]'))).toBeNull();
    const tooMany = Array.from({ length: FRAME_PACK_LIMITS.frames + 1 }, (_, i) => JSON.stringify(message(i + 1)));
    expect(decodePeerFrames(utf8(`[${tooMany.join(',')}]`))).toBeNull();
    expect(decodePeerFrames(utf8(`[${tooMany.slice(1).join(',')}]`))).toHaveLength(FRAME_PACK_LIMITS.frames);
  });

  it('refuses nested packs, malformed JSON and malformed UTF-8', () => {
    const good = JSON.stringify(message(1));
    expect(decodePeerFrames(utf8(`[[${good}]]`))).toBeNull();
    expect(decodePeerFrames(utf8(`[${good}`))).toBeNull();
    expect(decodePeerFrames(Uint8Array.of(0xff, 0xfe))).toBeNull();
    expect(fromUtf8(utf8(good))).toBe(good);
  });
});

describe('typing frame', () => {
  it('parses, and survives its own encoding', () => {
    expect(parsePeerFrames('{"t":"typing"}')).toEqual([{ t: 'typing' }]);
    expect(decodePeerFrames(encodePeerFrame({ t: 'typing' }))).toEqual([{ t: 'typing' }]);
  });

  it('keeps nothing but its type: extra fields are dropped, not carried into the app', () => {
    expect(parsePeerFrames('{"t":"typing","text":"what I am writing","until":9e99}')).toEqual([{ t: 'typing' }]);
  });

  it.each([
    ['another type name', '{"t":"Typing"}'],
    ['a type that is not a string', '{"t":["typing"]}'],
    ['no type', '{}'],
    ['a bare string', '"typing"'],
    ['null', 'null'],
    ['broken JSON', '{"t":"typing"'],
    ['the empty string', ''],
  ])('rejects %s', (_, json) => {
    expect(parsePeerFrames(json)).toBeNull();
  });

  it('rejects a plaintext that is not UTF-8', () => {
    expect(decodePeerFrames(new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0xff, 0x7d]))).toBeNull();
    expect(decodePeerFrames(utf8('{"t":"typing"}'))).toEqual([{ t: 'typing' }]);
  });
});
