import { lazily } from '../main-thread.ts';

// Finding messages by what they say. A query is a few words; a message matches when it contains
// every one of them, ignoring case and accents ("cafe" finds "Café"), anywhere in a word ("rain"
// finds "raining").

/** Text as compared: lower case, accents dropped. */
export const foldText = (text: string): string => text.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();

/** The words of a query, folded; none for a blank query. */
export const searchTerms = (query: string): string[] => foldText(query).split(/\s+/).filter(Boolean);

/** Whether `text` holds every term (terms from searchTerms). */
export function matchesTerms(text: string, terms: string[]): boolean {
  if (terms.length === 0) return false;
  const folded = foldText(text);
  return terms.every((term) => folded.includes(term));
}

/** Made on first use: building it takes a few milliseconds, which loading the main screen should not. */
const graphemes = lazily(() => new Intl.Segmenter(undefined, { granularity: 'grapheme' }));

export interface Snippet {
  /** Text before the match, with "…" in front when cut. */
  before: string;
  /** The first term as written in the message. */
  match: string;
  /** Text after the match, with "…" behind when cut. */
  after: string;
}

/**
 * The part of `text` around the first term, about `width` characters, on one line: what a
 * search result shows. Without a term found (a blank query), the start of the text.
 */
export function snippetOf(text: string, terms: string[], width = 80): Snippet {
  // Whole characters as people see them (a letter with its accents, an emoji), never half of one.
  const chars = Array.from(graphemes().segment(text.replace(/\s+/g, ' ').trim()), (s) => s.segment);
  const found = terms.length > 0 ? findFolded(chars, terms[0]!) : null;
  if (!found) return { before: '', match: '', after: cut(chars, 0, width) };
  const [start, end] = found;
  // A little context before the match, the rest after it.
  const from = Math.max(0, Math.min(start - Math.floor(width / 4), chars.length - width));
  const to = Math.max(end, Math.min(chars.length, from + width));
  return {
    before: (from > 0 ? '…' : '') + chars.slice(from, start).join(''),
    match: chars.slice(start, end).join(''),
    after: chars.slice(end, to).join('') + (to < chars.length ? '…' : ''),
  };
}

const cut = (chars: string[], from: number, width: number): string =>
  chars.slice(from, from + width).join('') + (chars.length > from + width ? '…' : '');

/**
 * Where a folded term starts and ends in the original characters. Each character is folded on
 * its own, so that positions in the folded text map back to positions in the original.
 */
function findFolded(chars: string[], term: string): [number, number] | null {
  const owner: number[] = [];
  let folded = '';
  chars.forEach((ch, i) => {
    const f = foldText(ch);
    folded += f;
    for (let k = 0; k < f.length; k++) owner.push(i);
  });
  const at = folded.indexOf(term);
  if (at === -1) return null;
  return [owner[at]!, owner[at + term.length - 1]! + 1];
}
