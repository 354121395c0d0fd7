import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredential } from '../../signal-server/ice.ts';

describe('TURN REST credentials (coturn use-auth-secret)', () => {
  it('matches an HMAC-SHA1 computed independently (openssl dgst -sha1 -hmac)', () => {
    // printf '1700000000:abc' | openssl dgst -sha1 -hmac north-secret -binary | base64
    expect(turnCredential('north-secret', 'abc', 1_700_000_000)).toEqual({
      username: '1700000000:abc',
      credential: 'HuaB4U45p3Z02OCn9m4Hk4LiEqI=',
    });
  });

  it('issues STUN as is and TURN with a credential for this peer that expires after the TTL', () => {
    const now = 1_800_000_000_500;
    expect(iceServersFor(undefined, 'peer', now)).toEqual({ servers: [] });
    expect(iceServersFor({ stunUrls: ['stun:s.example:3478'], turnUrls: [], turnTtlSeconds: 600 }, 'peer', now)).toEqual({
      servers: [{ urls: ['stun:s.example:3478'] }],
    });
    const { servers, expiresAt } = iceServersFor(
      { stunUrls: [], turnUrls: ['turn:t.example:3478?transport=udp'], turnSecret: 's3cret', turnTtlSeconds: 600 },
      'peer',
      now,
    );
    expect(expiresAt).toBe((1_800_000_000 + 600) * 1000);
    expect(servers).toEqual([{ urls: ['turn:t.example:3478?transport=udp'], ...turnCredential('s3cret', 'peer', 1_800_000_600) }]);
  });
});
