import { liveQuery } from 'dexie';
import { generateIdentityKeys, isValidPeerKey, type IdentityKeys } from '../crypto/identity.ts';
import { PeerCipher } from '../crypto/peer-cipher.ts';
import { Messenger } from '../messaging/messenger.ts';
import { SignalingClient, type SignalingState } from '../net/signaling-client.ts';
import { Transport, type LinkStatus, type SecurityEvent } from '../net/transport.ts';
import { shortId, type PeerId } from '../protocol/ids.ts';
import { hasInvite, parseInvite } from '../protocol/invite.ts';
import { WS_PATH } from '../protocol/server-frames.ts';
import { addContact, getContact, listContacts } from '../storage/contacts.ts';
import { unreadCounts } from '../storage/conversations.ts';
import type { ContactRow, IdentityRow } from '../storage/db.ts';
import { loadIdentity, saveIdentity } from '../storage/identity-store.ts';
import { describePath, type PathView } from './path-view.ts';
import { AlertList } from './alerts.svelte.ts';

// The app's state and the services behind it, wired together once an identity exists.
// Components read the $state fields and call the methods; services never touch the DOM.

export class AppState {
  phase = $state<'loading' | 'onboarding' | 'ready'>('loading');
  identity = $state<IdentityRow | null>(null);
  contacts = $state<ContactRow[]>([]);
  online = $state<Record<PeerId, boolean>>({});
  unread = $state<Record<PeerId, number>>({});
  links = $state<Record<PeerId, LinkStatus>>({});
  signalingState = $state<SignalingState>('offline');
  selected = $state<PeerId | null>(null);
  /** An invite link opened in this browser, waiting for the user to confirm adding it. */
  pendingInvite = $state<string | null>(null);
  readonly alerts = new AlertList();

  private signaling: SignalingClient | null = null;
  private transport: Transport | null = null;
  private messenger: Messenger | null = null;
  private visible = $state(typeof document === 'undefined' || document.visibilityState === 'visible');

  async boot(): Promise<void> {
    this.takeInviteFromLocation();
    addEventListener('hashchange', () => this.takeInviteFromLocation());
    document.addEventListener('visibilitychange', () => {
      this.visible = document.visibilityState === 'visible';
      if (this.visible && this.selected) void this.messenger?.markRead(this.selected);
    });
    const identity = await loadIdentity();
    if (identity) this.start(identity);
    else this.phase = 'onboarding';
  }

  async createIdentity(name: string): Promise<void> {
    const keys = await generateIdentityKeys();
    this.start(await saveIdentity(keys, name.trim()));
  }

  /** Adds a contact from a pasted link or ID; returns the reason when it cannot. */
  async addContact(input: string): Promise<string | null> {
    const parsed = parseInvite(input);
    if ('error' in parsed) return parsed.error;
    if (parsed.id === this.identity?.id) return 'That is your own ID.';
    if (!(await isValidPeerKey(parsed.id))) return 'That ID is not a valid public key.';
    const existing = await getContact(parsed.id);
    if (existing) return `${existing.name} is already in your contacts.`;
    await addContact({
      id: parsed.id,
      name: parsed.name ?? `Contact ${shortId(parsed.id)}`,
      nameSource: parsed.name ? 'invite' : 'unknown',
      addedAt: Date.now(),
    });
    this.pendingInvite = null;
    return null;
  }

  select(peer: PeerId | null): void {
    this.selected = peer;
    if (!peer) return;
    // Opening a conversation is the moment to get a channel ready, before the first message.
    void this.messenger?.kick(peer);
    void this.messenger?.markRead(peer);
  }

  async send(peer: PeerId, text: string): Promise<void> {
    await this.messenger?.send(peer, text);
  }

  /** Called by the conversation view when new messages are shown. */
  messagesShown(peer: PeerId): void {
    void this.messenger?.markRead(peer);
  }

  pathView(peer: PeerId): PathView {
    return describePath({
      link: this.links[peer] ?? { kind: 'none' },
      peerOnline: this.online[peer] === true,
      signaling: this.signalingState,
      peerName: this.contacts.find((c) => c.id === peer)?.name ?? 'Contact',
    });
  }

  private start(identity: IdentityRow): void {
    this.identity = identity;
    const keys: IdentityKeys = { id: identity.id, publicKey: identity.publicKey, secretKey: identity.secretKey };
    const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${WS_PATH}`;
    const signaling = new SignalingClient(wsUrl, keys, {
      onState: (state) => {
        this.signalingState = state;
        if (state !== 'online') this.online = {};
      },
      onPresence: (peers) => this.onPresence(peers),
      onSignal: (from, data) => this.transport?.handleSignal(from, data),
      onServerError: (frame) => {
        if (frame.code !== 'peer_offline') console.warn('server error', frame.code, frame.message);
      },
    });
    const transport = new Transport(keys, new PeerCipher(keys), signaling, () => ({ iceServers: [] }), {
      onOpen: (peer) => {
        void this.ensureContact(peer);
        this.messenger?.onOpen(peer);
      },
      onFrames: (peer, frames) => this.messenger?.onFrames(peer, frames),
      onStatus: (peer, status) => {
        this.links = { ...this.links, [peer]: status };
        if (status.kind === 'none') void this.messenger?.kick(peer);
      },
      onSecurityEvent: (event) => this.onSecurityEvent(event),
    });
    this.messenger = new Messenger({
      transport,
      myName: () => this.identity?.name ?? '',
      isViewing: (peer) => this.visible && this.selected === peer,
      isOnline: (peer) => this.online[peer] === true,
    });
    this.signaling = signaling;
    this.transport = transport;
    liveQuery(listContacts).subscribe((contacts) => {
      this.contacts = contacts;
      signaling.watch(contacts.map((c) => c.id));
    });
    liveQuery(unreadCounts).subscribe((counts) => {
      this.unread = counts;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      document.title = total > 0 ? `(${total}) Tincan` : 'Tincan';
    });
    signaling.start();
    this.phase = 'ready';
  }

  private onPresence(peers: { id: PeerId; online: boolean }[]): void {
    const next = { ...this.online };
    for (const { id, online } of peers) next[id] = online;
    this.online = next;
    for (const { id, online } of peers) {
      if (online) void this.messenger?.kick(id);
      else this.transport?.peerOffline(id);
    }
  }

  /** Someone we have not added connected to us with a valid signature: keep them as a contact. */
  private async ensureContact(peer: PeerId): Promise<void> {
    await addContact({ id: peer, name: `Unknown ${shortId(peer)}`, nameSource: 'unknown', addedAt: Date.now() });
  }

  private onSecurityEvent(event: SecurityEvent): void {
    const name = this.contacts.find((c) => c.id === event.peer)?.name ?? `an unknown peer (${shortId(event.peer)})`;
    const text: Record<SecurityEvent['kind'], string> = {
      bad_offer_signature: `Refused a connection offer that claimed to come from ${name}: it was not signed with their key. Someone may be tampering with the connection.`,
      bad_answer_signature: `Refused a connection answer that claimed to come from ${name}: it was not signed with their key. Someone may be tampering with the connection.`,
      stale_offer: `Refused an outdated connection offer from ${name}. It may have been replayed.`,
      bad_envelope: `A message from ${name} failed its integrity check and was discarded.`,
    };
    this.alerts.raise(text[event.kind]);
  }

  private takeInviteFromLocation(): void {
    if (!hasInvite(location.hash)) return;
    this.pendingInvite = location.href;
    history.replaceState(null, '', location.pathname + location.search);
  }
}

export const app = new AppState();
