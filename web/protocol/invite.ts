import { isPeerId, PEER_ID_LENGTH, type PeerId } from './ids.ts';
import { MESSAGE_LIMITS } from './limits.ts';

// Invite links carry the inviter's ID and display name in the URL fragment
// (https://host/#invite=ID&name=Alice). Browsers never send the fragment to the server, so
// opening a link does not tell the server who is inviting whom.

export interface Invite {
  id: PeerId;
  name: string | null;
}

export function inviteLink(origin: string, id: PeerId, name: string): string {
  const params = new URLSearchParams({ invite: id, name });
  return `${origin}/#${params.toString()}`;
}

/** Whether a URL fragment carries an invite ("#invite=…"). */
export const hasInvite = (hash: string): boolean => new URLSearchParams(hash.replace(/^#/, '')).has('invite');

/**
 * Reads what a person pasted: a whole invite link, a bare fragment, or a bare ID. Returns a
 * sentence saying what is wrong otherwise.
 */
export function parseInvite(input: string): Invite | { error: string } {
  const text = input.trim();
  if (text === '') return { error: 'Enter an invite link or an ID.' };
  const hashAt = text.indexOf('#');
  if (hashAt === -1) return checkId(text, null);
  const params = new URLSearchParams(text.slice(hashAt + 1));
  const id = params.get('invite');
  if (id === null) return { error: 'That link is not a Tincan invite.' };
  const name = params.get('name')?.trim().slice(0, MESSAGE_LIMITS.maxNameLength) || null;
  return checkId(id, name);
}

function checkId(id: string, name: string | null): Invite | { error: string } {
  if (id.length !== PEER_ID_LENGTH) {
    return { error: `An ID is ${PEER_ID_LENGTH} characters long; this one has ${id.length}.` };
  }
  if (!/^[A-Za-z0-9_-]+$/.test(id)) {
    return { error: 'An ID contains only letters, digits, "-" and "_".' };
  }
  if (!isPeerId(id)) return { error: 'That ID is damaged: its last character is not possible.' };
  return { id, name };
}
