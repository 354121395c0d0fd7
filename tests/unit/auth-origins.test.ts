import { describe, expect, it } from 'vitest';
import { acceptedAuthOrigins } from '../../signal-server/auth.ts';

describe('acceptedAuthOrigins', () => {
  it('accepts only the configured public origin', () => {
    expect(acceptedAuthOrigins('https://chat.example', 'localhost:8080')).toEqual(['https://chat.example']);
  });

  it('otherwise binds the Host header under either scheme, spelled as clients spell it', () => {
    expect(acceptedAuthOrigins(undefined, 'Chat.Example:8080')).toEqual([
      'http://chat.example:8080',
      'https://chat.example:8080',
    ]);
    expect(acceptedAuthOrigins(undefined, 'chat.example:443')).toEqual(['http://chat.example:443', 'https://chat.example']);
  });

  it('accepts nothing without a usable Host header', () => {
    expect(acceptedAuthOrigins(undefined, undefined)).toEqual([]);
    expect(acceptedAuthOrigins(undefined, 'bad host/')).toEqual([]);
  });
});
