import { describe, expect, it } from 'vitest';
import { iceUfrag } from '../../web/net/ice-credentials.ts';

const sdp = (ufrag: string, candidates = '') =>
  ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:0123456789abcdefghijklmn', candidates, 'a=sctp-port:5000', ''].join('\r\n');

describe('iceUfrag', () => {
  it('reads the username fragment of a description', () => {
    expect(iceUfrag(sdp('Yx3+'))).toBe('Yx3+');
  });

  it('is the same for a copy of the description with candidates added', () => {
    expect(iceUfrag(sdp('Yx3+', 'a=candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host'))).toBe(iceUfrag(sdp('Yx3+')));
  });

  it('differs after an ICE restart', () => {
    expect(iceUfrag(sdp('Yx3+'))).not.toBe(iceUfrag(sdp('Qq9/')));
  });

  it('is null for a description without ICE credentials', () => {
    expect(iceUfrag('v=0\r\ns=-\r\n')).toBeNull();
  });
});
