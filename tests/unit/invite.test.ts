import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { inviteLink, parseInvite } from '../../web/protocol/invite.ts';

const id = toBase64Url(new Uint8Array(32).fill(9));

describe('invites', () => {
  it('round-trips a link, names included', () => {
    const link = inviteLink('https://chat.example', id, 'Zoë & co');
    expect(link.startsWith('https://chat.example/#invite=')).toBe(true);
    expect(parseInvite(link)).toEqual({ id, name: 'Zoë & co' });
    expect(parseInvite(`  ${link}\n`)).toEqual({ id, name: 'Zoë & co' });
  });

  it('accepts a bare ID without a name', () => {
    expect(parseInvite(id)).toEqual({ id, name: null });
  });

  it('says what is wrong with a bad value', () => {
    expect(parseInvite('')).toEqual({ error: expect.stringMatching(/Enter/) });
    expect(parseInvite(id.slice(1))).toEqual({ error: expect.stringMatching(/43 characters.*42/) });
    expect(parseInvite(`${id.slice(0, 42)}*`)).toEqual({ error: expect.stringMatching(/letters/) });
    expect(parseInvite(`${id.slice(0, 42)}B`)).toEqual({ error: expect.stringMatching(/damaged/) });
    expect(parseInvite('https://x.example/#name=Bob')).toEqual({ error: expect.stringMatching(/not a Tincan invite/) });
  });
});
