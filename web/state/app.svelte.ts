import { liveQuery } from 'dexie';
import { generateIdentityKeys, isValidPeerKey, type IdentityKeys } from '../crypto/identity.ts';
import { Messenger } from '../messaging/messenger.ts';
import { PrekeyPublisher } from '../messaging/prekey-publisher.ts';
import { SessionCipher } from '../messaging/session-cipher.ts';
import { SignalingClient, type SignalingState } from '../net/signaling-client.ts';
import { offersTurn, rtcConfiguration } from '../net/ice-policy.ts';
import { Transport, type LinkStatus, type SecurityEvent } from '../net/transport.ts';
import { shortId, type PeerId } from '../protocol/ids.ts';
import { hasInvite, parseInvite } from '../protocol/invite.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import type { MessagePeerFrame } from '../protocol/peer-frames.ts';
import { WS_PATH } from '../protocol/server-frames.ts';
import { acknowledgeSessionChange, addContact, getContact, listContacts, setVerified } from '../storage/contacts.ts';
import { unreadCounts } from '../storage/conversations.ts';
import type { ContactRow, ConversationRow, IdentityRow } from '../storage/db.ts';
import { loadIdentity, saveIdentity } from '../storage/identity-store.ts';
import { DEFAULT_SETTINGS, loadSettings, saveSetting } from '../storage/settings.ts';
import { describePath, type PathView } from './path-view.ts';
import { AlertList } from './alerts.svelte.ts';
import { Notifier } from './notifier.svelte.ts';
import { unreadTitle } from './notify-policy.ts';
import { TypingIndicators } from './typing.svelte.ts';

// The app's state and the services behind it, wired together once an identity exists.
// Components read the $state fields and call the methods; services never touch the DOM.

const TAB_LOCK = 'tincan-active-tab';

export class AppState {
  phase = $state<'loading' | 'onboarding' | 'ready' | 'elsewhere'>('loading');
  identity = $state<IdentityRow | null>(null);
  contacts = $state<ContactRow[]>([]);
  online = $state<Record<PeerId, boolean>>({});
  unread = $state<Record<PeerId, number>>({});
  links = $state<Record<PeerId, LinkStatus>>({});
  signalingState = $state<SignalingState>('offline');
  selected = $state<PeerId | null>(null);
  /** An invite link opened in this browser, waiting for the user to confirm adding it. */
  pendingInvite = $state<string | null>(null);
  /** Privacy mode (a stored setting): WebRTC uses TURN-relayed candidates only. */
  relayOnly = $state(false);
  /** Whether contacts are told when we have read their messages (a stored setting). */
  readReceipts = $state(DEFAULT_SETTINGS.readReceipts);
  readonly alerts = new AlertList();
  readonly notifier = new Notifier(
    (peer) => this.select(peer),
    (text) => this.alerts.raise(text),
  );
  /** Contacts typing to us right now. */
  readonly typing = new TypingIndicators(CLIENT_TIMING.typingShownMs);

  private transport: Transport | null = null;
  /** From the server (STUN/TURN with time-limited credentials); read when a connection starts. */
  private iceServers = $state.raw<RTCIceServer[]>([]);
  private messenger: Messenger | null = null;
  private prekeys: PrekeyPublisher | null = null;
  private visible = $state(typeof document === 'undefined' || document.visibilityState === 'visible');

  async boot(): Promise<void> {
    this.takeInviteFromLocation();
    addEventListener('hashchange', () => this.takeInviteFromLocation());
    document.addEventListener('visibilitychange', () => {
      this.visible = document.visibilityState === 'visible';
      if (this.visible && this.selected) this.conversationShown(this.selected);
    });
    const identity = await loadIdentity();
    if (identity) this.claimTab(identity, false);
    else this.phase = 'onboarding';
  }

  async createIdentity(name: string): Promise<void> {
    const keys = await generateIdentityKeys();
    this.claimTab(await saveIdentity(keys, name.trim()), false);
  }

  /**
   * Makes this device the identity restored from a backup. It starts with no prekeys and no
   * sessions: it publishes its own prekeys, and contacts see a new session from it.
   */
  async restoreIdentity(keys: IdentityKeys, name: string): Promise<void> {
    this.claimTab(await saveIdentity(keys, name), false);
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
    this.conversationShown(peer);
  }

  async send(peer: PeerId, text: string): Promise<void> {
    await this.messenger?.send(peer, text);
  }

  /** The user is writing in the composer of `peer`'s conversation. */
  typingTo(peer: PeerId): void {
    void this.messenger?.typing(peer);
  }

  async retry(peer: PeerId, id: string): Promise<void> {
    await this.messenger?.retry(peer, id);
  }

  /** The user has seen that the contact's session changed and wants to go on writing. */
  async acknowledgeSessionChange(peer: PeerId): Promise<void> {
    await acknowledgeSessionChange(peer);
    void this.messenger?.kick(peer);
  }

  /** The user compared safety numbers with the contact (aloud or by scanning), or takes that back. */
  async setVerified(peer: PeerId, verified: boolean): Promise<void> {
    await setVerified(peer, verified);
  }

  /** Called by the conversation view when new messages are shown. */
  messagesShown(peer: PeerId): void {
    void this.messenger?.markRead(peer);
  }

  /** Read receipts on or off: applies to what is read from now on. */
  async setReadReceipts(on: boolean): Promise<void> {
    this.readReceipts = on;
    try {
      await saveSetting('readReceipts', on);
    } catch (error) {
      console.error('settings not stored', error);
      this.alerts.raise(`Could not store the read receipts setting: it stays ${on ? 'on' : 'off'} only until Tincan is reloaded.`);
    }
  }

  pathView(peer: PeerId): PathView {
    return describePath({
      link: this.links[peer] ?? { kind: 'none' },
      peerOnline: this.online[peer] === true,
      signaling: this.signalingState,
      peerName: this.contacts.find((c) => c.id === peer)?.name ?? 'Contact',
      relayOnly: this.relayOnly,
      turnOffered: offersTurn(this.iceServers),
    });
  }

  /**
   * Turns privacy mode on or off. It applies to the next WebRTC attempt at once, before it is
   * stored. Turning it on also closes the channels already open or being set up: they may have
   * exposed (or be about to expose) this device's addresses, and new ones are made relay-only.
   */
  async setRelayOnly(on: boolean): Promise<void> {
    if (on === this.relayOnly) return;
    this.relayOnly = on;
    if (on) {
      this.transport?.closeAll('privacy mode changed');
    } else {
      this.kickAll(); // a direct channel may be possible now
    }
    try {
      await saveSetting('relayOnly', on);
    } catch (error) {
      console.error('settings not stored', error);
      this.alerts.raise(`Could not store the relay-only setting: it stays ${on ? 'on' : 'off'} only until Tincan is reloaded.`);
    }
  }

  /**
   * One tab per profile runs the services: two would race each other over the same outbox and
   * the server would drop one of their connections. A Web Lock held for the page's lifetime
   * decides; another tab can take over ("Use here"), and the tab it was taken from reloads into
   * the waiting screen.
   */
  private claimTab(identity: IdentityRow, steal: boolean): void {
    const held = navigator.locks.request(TAB_LOCK, steal ? { steal: true } : { ifAvailable: true }, (lock) => {
      if (!lock) {
        this.identity = identity;
        this.phase = 'elsewhere';
        return;
      }
      return this.start(identity).then(() => new Promise<void>(() => {})); // held until the page goes away or another tab steals it
    });
    held.catch(() => location.reload());
  }

  useHere(): void {
    if (this.identity && this.phase === 'elsewhere') this.claimTab(this.identity, true);
  }

  private async start(identity: IdentityRow): Promise<void> {
    // Settings first, read now rather than at boot (another tab may have changed them since):
    // no connection may start with a default where the user chose privacy mode.
    const settings = await loadSettings();
    this.relayOnly = settings.relayOnly;
    this.readReceipts = settings.readReceipts;
    this.notifier.load(settings);
    this.identity = identity;
    const keys: IdentityKeys = { id: identity.id, publicKey: identity.publicKey, secretKey: identity.secretKey };
    const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${WS_PATH}`;
    const signaling = new SignalingClient(wsUrl, keys, {
      onState: (state) => this.onSignalingState(state),
      onPresence: (peers) => this.onPresence(peers),
      onSignal: (from, data) => this.transport?.handleSignal(from, data),
      onAccepted: (frame) => void this.messenger?.outbox.onAccepted(frame.id, frame.via, frame.expiresAt),
      onDeliver: (frame) => this.transport?.receiveFromServer(frame),
      onIceServers: (servers) => {
        const couldConnect = this.canOpenChannel();
        this.iceServers = servers;
        if (!couldConnect && this.canOpenChannel()) this.kickAll(); // a TURN server arrived
      },
      onPrekeysLow: (count) => prekeys.onLow(count),
      onServerError: (frame) => {
        if (frame.code !== 'peer_offline') console.warn('server error', frame.code, frame.message);
        this.messenger?.onServerError(frame.code, frame.ref);
      },
    });
    const prekeys = new PrekeyPublisher(keys, signaling);
    const rtcConfig = () => rtcConfiguration(this.iceServers, this.relayOnly);
    const transport = new Transport(keys, signaling, rtcConfig, {
      onOpen: (peer) => this.messenger?.onOpen(peer),
      onEnvelope: async (peer, envelope) => this.messenger?.onEnvelope(peer, envelope),
      onStatus: (peer, status) => {
        this.links = { ...this.links, [peer]: status };
        // No usable channel (none yet, or one interrupted): what waits for it goes by the server.
        if (status.kind !== 'open') void this.messenger?.kick(peer);
      },
      onSecurityEvent: (event) => this.onSecurityEvent(event),
    });
    this.messenger = new Messenger({
      transport,
      cipher: new SessionCipher(keys, signaling),
      onSecurityEvent: (event) => this.onSecurityEvent(event),
      myName: () => this.identity?.name ?? '',
      isViewing: (peer) => this.visible && this.selected === peer,
      isOnline: (peer) => this.online[peer] === true,
      canOpenChannel: () => this.canOpenChannel(),
      sendsReadReceipts: () => this.readReceipts,
      onMessagesCommitted: (peer, messages, conversation) => this.onMessagesCommitted(peer, messages, conversation),
      onTyping: (peer) => {
        // Nothing from a blocked contact is shown, their typing included.
        if (!this.contacts.find((c) => c.id === peer)?.blocked) this.typing.heard(peer);
      },
    });
    this.transport = transport;
    this.prekeys = prekeys;
    // A new network (Wi-Fi to mobile data, another Wi-Fi): restart ICE on open connections now
    // rather than waiting for their old paths to time out. (NetworkInformation is Chromium's.)
    const networkChanged = (): void => transport.networkChanged();
    addEventListener('online', networkChanged);
    (navigator as Navigator & { connection?: EventTarget }).connection?.addEventListener('change', networkChanged);
    liveQuery(listContacts).subscribe((contacts) => {
      this.contacts = contacts;
      signaling.watch(contacts.map((c) => c.id));
    });
    liveQuery(unreadCounts).subscribe((counts) => {
      this.unread = counts;
      document.title = unreadTitle(counts);
    });
    signaling.start();
    this.phase = 'ready';
  }

  private onSignalingState(state: SignalingState): void {
    this.signalingState = state;
    if (state === 'online') {
      this.prekeys?.onOnline();
      this.kickAll(); // back on the server: whatever waited on this device can go now
      this.transport?.serverReconnected();
    } else {
      this.online = {};
      this.messenger?.outbox.serverLost();
    }
  }

  /** The conversation with `peer` is on screen: what it holds is read, its notification done. */
  private conversationShown(peer: PeerId): void {
    this.notifier.dismiss(peer);
    void this.messenger?.markRead(peer);
  }

  /** New messages are stored: what they were typing has come, and the user may need telling. */
  private onMessagesCommitted(peer: PeerId, messages: MessagePeerFrame[], conversation: ConversationRow): void {
    this.typing.stop(peer);
    const attention = { hidden: document.visibilityState === 'hidden', focused: document.hasFocus(), open: this.selected };
    const latest = messages[messages.length - 1]!.text;
    // Read from the database, not this.contacts: a sender added just now is not in that list yet.
    void getContact(peer)
      .then((contact) => this.notifier.messagesArrived(contact, latest, conversation.unread, attention))
      .catch((error: unknown) => console.error('notification', error));
  }

  private kickAll(): void {
    for (const contact of this.contacts) void this.messenger?.kick(contact.id);
  }

  /** In relay-only mode WebRTC needs a TURN server: without one it gathers no candidate at all. */
  private canOpenChannel(): boolean {
    return !this.relayOnly || offersTurn(this.iceServers);
  }

  private onPresence(peers: { id: PeerId; online: boolean }[]): void {
    const previous = this.online;
    const next = { ...previous };
    for (const { id, online } of peers) next[id] = online;
    this.online = next;
    for (const { id, online } of peers) {
      if (online && !previous[id]) void this.messenger?.onPeerOnline(id);
      else if (!online) this.transport?.peerOffline(id);
    }
  }

  private onSecurityEvent(event: SecurityEvent): void {
    const name = this.contacts.find((c) => c.id === event.peer)?.name ?? `an unknown peer (${shortId(event.peer)})`;
    const text: Record<SecurityEvent['kind'], string> = {
      bad_offer_signature: `Refused a connection offer that claimed to come from ${name}: it was not signed with their key. Someone may be tampering with the connection.`,
      bad_answer_signature: `Refused a connection answer that claimed to come from ${name}: it was not signed with their key. Someone may be tampering with the connection.`,
      stale_offer: `Refused an outdated connection offer from ${name}. It may have been replayed.`,
      bad_envelope: `A message from ${name} failed its integrity check and was discarded.`,
      bad_bundle: `The server handed out keys for ${name} that ${name} did not sign, so nothing was sent to them. Someone may be trying to intercept your messages. Tincan will try again later.`,
      session_changed: `${name} started a new secure session: they reinstalled Tincan or restored their identity on another device, or someone else holds their key. Sending to them is paused until you confirm.`,
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
