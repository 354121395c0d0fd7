import { describe, expect, it } from 'vitest';
import { foldText, matchesTerms, searchTerms, snippetOf } from '../../web/state/search-text.ts';

// Matching messages against a search and the snippet a result shows.

const shown = (s: { before: string; match: string; after: string }) => `${s.before}[${s.match}]${s.after}`;

describe('matching', () => {
  it('ignores case and accents, and finds words inside words', () => {
    expect(foldText('Crème BRÛLÉE')).toBe('creme brulee');
    expect(matchesTerms('Meet at the Café at 5', searchTerms('cafe'))).toBe(true);
    expect(matchesTerms('It is raining', searchTerms('RAIN'))).toBe(true);
    expect(matchesTerms('Ünal says hi', searchTerms('unal'))).toBe(true);
  });

  it('needs every word of the query, in any order', () => {
    const terms = searchTerms('  train   ticket ');
    expect(terms).toEqual(['train', 'ticket']);
    expect(matchesTerms('the ticket for the train', terms)).toBe(true);
    expect(matchesTerms('the train is late', terms)).toBe(false);
  });

  it('a blank query matches nothing', () => {
    expect(searchTerms(' \n ')).toEqual([]);
    expect(matchesTerms('anything', [])).toBe(false);
  });
});

describe('snippets', () => {
  it('shows the match as written, with what surrounds it', () => {
    expect(shown(snippetOf('Meet me at the Café tomorrow', searchTerms('cafe')))).toBe('Meet me at the [Café] tomorrow');
  });

  it('cuts a long text around the match and says so', () => {
    const text = `${'a'.repeat(100)} needle ${'b'.repeat(100)}`;
    const snippet = snippetOf(text, ['needle'], 40);
    expect(snippet.match).toBe('needle');
    expect(snippet.before.startsWith('…')).toBe(true);
    expect(snippet.after.endsWith('…')).toBe(true);
    expect([...snippet.before, ...snippet.match, ...snippet.after].length).toBeLessThanOrEqual(42);
  });

  it('keeps whole characters and puts the text on one line', () => {
    expect(shown(snippetOf('first line\n\nsecond 👍🏽 line', ['second']))).toBe('first line [second] 👍🏽 line');
    // A letter written as e + combining accent stays whole.
    expect(shown(snippetOf('un cafe\u0301 noir', ['cafe']))).toBe('un [cafe\u0301] noir');
  });
});
