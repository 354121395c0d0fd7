import type { PeerId } from '../protocol/ids.ts';
import type { ContactRow, MessageRow, SendState } from '../storage/db.ts';
import { datedFileName } from './file-name.ts';

// "Export history": one conversation as a JSON file the person keeps or reads with other tools.
// The format is documented in docs/history-export.md; a change that breaks a reader of it gets a
// new version number.

export const HISTORY_EXPORT_FORMAT = 'tincan-history';
export const HISTORY_EXPORT_VERSION = 1;

export interface HistoryExport {
  format: typeof HISTORY_EXPORT_FORMAT;
  version: typeof HISTORY_EXPORT_VERSION;
  /** When the file was made (ISO 8601, UTC). */
  exportedAt: string;
  /** Whose device it comes from: the author of the 'out' messages. */
  self: { id: PeerId; name: string };
  /** The other person, by the name this device shows for them. */
  contact: { id: PeerId; name: string };
  /** In the order the conversation shows them, oldest first. */
  messages: {
    id: string;
    direction: 'in' | 'out';
    text: string;
    /** The sender's clock when it was written (ISO 8601, UTC). */
    sentAt: string;
    state: SendState;
  }[];
}

export function buildHistoryExport(
  self: { id: PeerId; name: string },
  contact: Pick<ContactRow, 'id' | 'name'>,
  messages: MessageRow[],
  now: Date,
): HistoryExport {
  return {
    format: HISTORY_EXPORT_FORMAT,
    version: HISTORY_EXPORT_VERSION,
    exportedAt: now.toISOString(),
    self: { id: self.id, name: self.name },
    contact: { id: contact.id, name: contact.name },
    messages: messages.map((m) => ({ id: m.id, direction: m.direction, text: m.text, sentAt: new Date(m.sentAt).toISOString(), state: m.state })),
  };
}

/** `tincan-history-<contact>-<YYYY-MM-DD>.json` (see datedFileName). */
export const historyFileName = (contactName: string, date: Date): string => datedFileName('history', contactName, date);
