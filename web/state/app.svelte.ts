import { liveQuery } from 'dexie';
import { generateIdentityKeys, isValidPeerKey, type IdentityKeys } from '../crypto/identity.ts';
import { Messenger } from '../messaging/messenger.ts';
import { PrekeyPublisher } from '../messaging/prekey-publisher.ts';
import { SessionCipher } from '../messaging/session-cipher.ts';
import { SignalingClient, type SignalingState } from '../net/signaling-client.ts';
import { iceServersToUse, offersTurn, rtcConfiguration } from '../net/ice-policy.ts';
import type { OwnIceServer } from '../net/ice-server-input.ts';
import { defaultSignalingUrl } from '../net/server-address.ts';
import { Transport, type LinkStatus, type SecurityEvent } from '../net/transport.ts';
import { shortId, type PeerId } from '../protocol/ids.ts';
import { hasInvite, parseInvite } from '../protocol/invite.ts';
import {
  acknowledgeSessionChange,
  addContact,
  getContact,
  isBlocked,
  listContacts,
  renameContact,
  setBlocked,
  setVerified,
  usePeerName,
} from '../storage/contacts.ts';
import { deleteConversation, removeContact } from '../messaging/delete-history.ts';
import { listMessages } from '../storage/messages.ts';
import { buildHistoryExport, historyFileName } from './history-export.ts';
import { CLIENT_TIMING, MESSAGE_LIMITS } from '../protocol/limits.ts';
import type { MessagePeerFrame } from '../protocol/peer-frames.ts';
import { unreadCounts } from '../storage/conversations.ts';
import type { ContactRow, ConversationRow, IdentityRow, MessageRow } from '../storage/db.ts';
import { loadIdentity, saveIdentity } from '../storage/identity-store.ts';
import { DEFAULT_SETTINGS, loadSettings, type Settings, type Theme } from '../storage/settings.ts';
import { storeSetting } from './store-setting.ts';
import { describePath, type PathView } from './path-view.ts';
import { AlertList } from './alerts.svelte.ts';
import { applyTheme } from './theme.ts';
import { Notifier } from './notifier.svelte.ts';
import { unreadTitle } from './notify-policy.ts';
import { TypingIndicators } from './typing.svelte.ts';
import { yieldToMain } from '../main-thread.ts';

// The app's state and the services behind it, wired together once an identity exists.
// Components read the $state fields and call the methods; services never touch the DOM.

const TAB_LOCK = 'tincan-active-tab';
/** The longest the server connection waits for the main screen to be painted. */
const MAIN_SCREEN_WAIT_MS = 1_000;

/** A message to show in its conversation: its ID, and where it is in the conversation. */
export type FoundMessage = Pick<MessageRow, 'id' | 'sortKey'>;

export class AppState {
  phase = $state<'loading' | 'onboarding' | 'ready' | 'elsewhere'>('loading');
  identity = $state<IdentityRow | null>(null);
  contacts = $state<ContactRow[]>([]);
  online = $state<Record<PeerId, boolean>>({});
  unread = $state<Record<PeerId, number>>({});
  links = $state<Record<PeerId, LinkStatus>>({});
  signalingState = $state<SignalingState>('offline');
  selected = $state<PeerId | null>(null);
  /**
   * The message to bring into view in the open conversation (a search result the user chose), or
   * null: the conversation reads back to it and its list scrolls to it. A new object each time, so
   * that choosing the same result again scrolls to it again.
   */
  highlight = $state.raw<FoundMessage | null>(null);
  /** An invite link opened in this browser, waiting for the user to confirm adding it. */
  pendingInvite = $state<string | null>(null);
  /** Privacy mode (a stored setting): WebRTC uses TURN-relayed candidates only. */
  relayOnly = $state(false);
  /** The signaling server the user chose (a stored setting); null: the one the app came from. */
  chosenServer = $state<string | null>(null);
  /** STUN/TURN servers the user added (a stored setting), used with the server's. */
  ownIceServers = $state.raw<OwnIceServer[]>([]);
  /** The colour theme (a stored setting, applied at once). */
  theme = $state<Theme>('system');
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
  private signaling: SignalingClient | null = null;
  /** From the server (STUN/TURN with time-limited credentials); read when a connection starts. */
  private iceServers = $state.raw<RTCIceServer[]>([]);
  private messenger: Messenger | null = null;
  private prekeys: PrekeyPublisher | null = null;
  private screenShown: () => void = () => {};
  private readonly mainScreen = new Promise<void>((resolve) => (this.screenShown = resolve));
  private visible = $state(typeof document === 'undefined' || document.visibilityState === 'visible');

  async boot(): Promise<void> {
    this.takeInviteFromLocation();
    addEventListener('hashchange', () => this.takeInviteFromLocation());
    this.notifier.listenToServiceWorker();
    document.addEventListener('visibilitychange', () => {
      this.visible = document.visibilityState === 'visible';
      if (this.visible && this.selected) this.conversationShown(this.selected);
    });
    const [identity, settings] = await Promise.all([loadIdentity(), loadSettings()]);
    this.theme = settings.theme;
    applyTheme(settings.theme); // main.ts applied this device's last one already; this is the stored one
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
    this.highlight = null;
    if (!peer) return;
    // Opening a conversation is the moment to get a channel ready, before the first message.
    void this.messenger?.kick(peer);
    this.conversationShown(peer);
  }

  /** Opens the conversation a found message is in, asking for that message to be shown. */
  openMessage(peer: PeerId, message: FoundMessage): void {
    this.select(peer);
    this.highlight = { id: message.id, sortKey: message.sortKey };
  }

  /** Names the contact as the user likes; returns the reason when the name cannot be used. */
  async renameContact(peer: PeerId, input: string): Promise<string | null> {
    const name = input.trim();
    if (name === '') return 'Type a name for the contact.';
    if (name.length > MESSAGE_LIMITS.maxNameLength) return `A name can be at most ${MESSAGE_LIMITS.maxNameLength} characters long.`;
    await renameContact(peer, name);
    return null;
  }

  /** Goes back to the name the contact gives itself. */
  async usePeerName(peer: PeerId): Promise<void> {
    await usePeerName(peer);
  }

  /** Blocks or unblocks the contact: see Messenger.openBatch for what blocking does. */
  async setBlocked(peer: PeerId, blocked: boolean): Promise<void> {
    await setBlocked(peer, blocked);
    await this.messenger?.blockChanged(peer, blocked);
  }

  /** Deletes the conversation's history on this device; the contact stays. */
  async deleteConversation(peer: PeerId): Promise<void> {
    await deleteConversation(peer);
  }

  /** Removes the contact and its history from this device, and closes its conversation. */
  async removeContact(peer: PeerId): Promise<void> {
    this.transport?.close(peer, 'contact removed');
    await removeContact(peer);
    if (this.selected === peer) this.select(null);
  }

  /** The conversation as a history file (state/history-export.ts): its name and its text. */
  async exportHistory(peer: PeerId): Promise<{ fileName: string; text: string }> {
    const [contact, messages] = await Promise.all([getContact(peer), listMessages(peer)]);
    if (!contact || !this.identity) throw new Error('The contact is gone.');
    const now = new Date();
    const data = buildHistoryExport(this.identity, contact, messages, now);
    return { fileName: historyFileName(contact.name, now), text: JSON.stringify(data, null, 2) };
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
    await this.store('readReceipts', on, `the read receipts setting: it stays ${on ? 'on' : 'off'}`);
  }

  pathView(peer: PeerId): PathView {
    return describePath({
      link: this.links[peer] ?? { kind: 'none' },
      peerOnline: this.online[peer] === true,
      signaling: this.signalingState,
      peerName: this.contacts.find((c) => c.id === peer)?.name ?? 'Contact',
      relayOnly: this.relayOnly,
      turnOffered: offersTurn(this.allIceServers),
    });
  }

  /** The signaling server's WebSocket URL in use: the chosen one, else the app's own server's. */
  get serverUrl(): string {
    return this.chosenServer ?? defaultSignalingUrl(location.origin);
  }

  /** The STUN/TURN URLs the signaling server handed out (their credentials stay here). */
  get providedIceUrls(): string[] {
    return this.iceServers.flatMap((server) => [server.urls].flat());
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
    await this.store('relayOnly', on, `the relay-only setting: it stays ${on ? 'on' : 'off'}`);
  }

  /**
   * Connects to another signaling server (a ws:// or wss:// URL checked by
   * net/server-address.ts), or back to the app's own (null). The old server's STUN/TURN servers
   * go with it: the new one sends its own once connected. Open data channels stay open, as they
   * do not pass through the server.
   */
  async setSignalingServer(url: string | null): Promise<void> {
    this.chosenServer = url;
    this.iceServers = [];
    this.signaling?.connectTo(this.serverUrl);
    await this.store('signalingUrl', url, 'the server address: Tincan uses it');
  }

  /** Replaces the user's own STUN/TURN servers; the next WebRTC attempt uses them. */
  async setOwnIceServers(servers: OwnIceServer[]): Promise<void> {
    this.changeIceServers(() => (this.ownIceServers = servers));
    await this.store('iceServers', servers, 'your STUN/TURN servers: Tincan uses them');
  }

  async setTheme(theme: Theme): Promise<void> {
    this.theme = theme;
    applyTheme(theme);
    await this.store('theme', theme, 'the theme: it applies');
  }

  /** Stores a setting already in effect (see storeSetting); a failure is raised as an alert. */
  private store<K extends keyof Settings>(name: K, value: Settings[K], what: string): Promise<void> {
    return storeSetting(name, value, what, (text) => this.alerts.raise(text));
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
    this.chosenServer = settings.signalingUrl;
    this.ownIceServers = settings.iceServers;
    this.readReceipts = settings.readReceipts;
    this.notifier.load(settings);
    this.identity = identity;
    const keys: IdentityKeys = { id: identity.id, publicKey: identity.publicKey, secretKey: identity.secretKey };
    const signaling = new SignalingClient(this.serverUrl, keys, {
      onState: (state) => this.onSignalingState(state),
      onPresence: (peers) => this.onPresence(peers),
      onSignal: (from, data) => this.transport?.handleSignal(from, data),
      onAccepted: (frame) => void this.messenger?.outbox.onAccepted(frame.id, frame.via, frame.expiresAt),
      onDeliver: (frame) => this.transport?.receiveFromServer(frame),
      onIceServers: (servers) => this.changeIceServers(() => (this.iceServers = servers)),
      onPrekeysLow: (count) => prekeys.onLow(count),
      onServerError: (frame) => {
        if (frame.code !== 'peer_offline') console.warn('server error', frame.code, frame.message);
        this.messenger?.onServerError(frame.code, frame.ref);
      },
    });
    const prekeys = new PrekeyPublisher(keys, signaling);
    const rtcConfig = () => rtcConfiguration(this.allIceServers, this.relayOnly);
    const transport = new Transport(keys, signaling, rtcConfig, {
      onOpen: (peer) => this.messenger?.onOpen(peer),
      onEnvelope: async (peer, envelope) => this.messenger?.onEnvelope(peer, envelope),
      onStatus: (peer, status) => {
        this.links = { ...this.links, [peer]: status };
        // No usable channel (none yet, or one interrupted): what waits for it goes by the server.
        if (status.kind !== 'open') void this.messenger?.kick(peer);
      },
      onSecurityEvent: (event) => this.onSecurityEvent(event),
      acceptsChannel: async (peer) => !(await isBlocked(peer)),
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
    this.signaling = signaling;
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
    // Signing in to the server loads libsodium (150 kB, compiled on arrival): that waits until
    // the main screen is up, so that a slow network shows the conversations first. Meanwhile the
    // status says "connecting", which is what it is.
    this.signalingState = 'connecting';
    void this.mainScreenUp().then(() => signaling.start());
    // Setting up the services is a long task on a phone, and so is drawing the main screen: two
    // tasks rather than one, so that the page can answer in between.
    await yieldToMain();
    this.phase = 'ready';
  }

  /** Called by the main screen once it is mounted. */
  mainScreenShown(): void {
    this.screenShown();
  }

  /** Resolves once the main screen has been painted, or after MAIN_SCREEN_WAIT_MS at most. */
  private mainScreenUp(): Promise<void> {
    const painted = this.mainScreen.then(() => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    return Promise.race([painted, new Promise<void>((resolve) => setTimeout(resolve, MAIN_SCREEN_WAIT_MS))]);
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
    return !this.relayOnly || offersTurn(this.allIceServers);
  }

  private get allIceServers(): RTCIceServer[] {
    return iceServersToUse(this.ownIceServers, this.iceServers);
  }

  /** Applies a change of STUN/TURN servers; a TURN server that arrives lets relay-only attempts start. */
  private changeIceServers(change: () => void): void {
    const couldConnect = this.canOpenChannel();
    change();
    if (!couldConnect && this.canOpenChannel()) this.kickAll();
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
