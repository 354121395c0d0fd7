import { describe, expect, it } from 'vitest';
import { utf8 } from '../../web/protocol/encoding.ts';
import { decodePeerFrame, encodePeerFrame, parsePeerFrame } from '../../web/protocol/peer-frames.ts';

// Peer frames arrive from the other side of an end-to-end session: authentic, but still written
// by someone else's code (or someone else's hands). Anything not exactly a known frame is null.

describe('typing frame', () => {
  it('parses, and survives its own encoding', () => {
    expect(parsePeerFrame('{"t":"typing"}')).toEqual({ t: 'typing' });
    expect(decodePeerFrame(encodePeerFrame({ t: 'typing' }))).toEqual({ t: 'typing' });
  });

  it('keeps nothing but its type: extra fields are dropped, not carried into the app', () => {
    expect(parsePeerFrame('{"t":"typing","text":"what I am writing","until":9e99}')).toEqual({ t: 'typing' });
  });

  it.each([
    ['another type name', '{"t":"Typing"}'],
    ['a type that is not a string', '{"t":["typing"]}'],
    ['no type', '{}'],
    ['an array', '[{"t":"typing"}]'],
    ['a bare string', '"typing"'],
    ['null', 'null'],
    ['broken JSON', '{"t":"typing"'],
    ['the empty string', ''],
  ])('rejects %s', (_, json) => {
    expect(parsePeerFrame(json)).toBeNull();
  });

  it('rejects a plaintext that is not UTF-8', () => {
    expect(decodePeerFrame(new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0xff, 0x7d]))).toBeNull();
    expect(decodePeerFrame(utf8('{"t":"typing"}'))).toEqual({ t: 'typing' });
  });
});
