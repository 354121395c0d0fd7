import type { IdentityKeys } from '../crypto/identity.ts';
import {
  firstPrekeyId,
  generateOneTimePrekeys,
  generateSignedPrekey,
  nextPrekeyId,
  PREKEY_POLICY,
  publicOneTimePrekey,
  publicSignedPrekey,
  type SignedPrekeyPair,
} from '../crypto/prekeys.ts';
import { SERVER_LIMITS } from '../protocol/limits.ts';
import type { PublishedOneTimePrekey, PublishedSignedPrekey } from '../protocol/server-frames.ts';
import { deleteSignedPrekeysBefore, newestSignedPrekey, oneTimePrekeyIds, storePrekeys } from '../storage/prekeys.ts';

// Keeps this device's X3DH prekeys on the server: one-time prekeys topped up whenever the server
// says few are left, and the signed prekey replaced every PREKEY_POLICY.signedPrekeyRotationMs.
// Private halves are stored before the public ones are published, so the server never hands
// out a key this device could not answer.

export interface PrekeyOutlet {
  publishPrekeys(frame: { signed: PublishedSignedPrekey; oneTime: PublishedOneTimePrekey[]; replace?: boolean }): boolean;
}

export class PrekeyPublisher {
  /** One publication at a time: two at once would both count on the same free space. */
  private queue: Promise<void> = Promise.resolve();
  /** First publications (see publish) sent to the server so far; onLow compares against it. */
  private firstPublications = 0;

  constructor(
    private readonly me: IdentityKeys,
    private readonly outlet: PrekeyOutlet,
  ) {}

  /** The server holds `count` of our one-time prekeys (maybe no signed prekey): top them up. */
  onLow(count: number): void {
    const firstPublicationsBefore = this.firstPublications;
    this.enqueue(async () => {
      // This device's first set went out after the server counted (the `prekeys_low` right after
      // `ready` on a new device): it replaced every key counted, and is a full batch itself.
      if (this.firstPublications > firstPublicationsBefore) return;
      await this.publish(count);
    });
  }

  /**
   * Connected to the server: publish if this device never has, replace the signed prekey if it
   * is due, and forget expired ones.
   */
  onOnline(): void {
    this.enqueue(async () => {
      const signed = await newestSignedPrekey();
      // A device without prekeys publishes at once rather than wait for `prekeys_low`: the server
      // sends that only when it holds few, and for a restored identity it may hold plenty, all
      // made by the old device, which this one cannot answer.
      if (!signed || this.rotationDue(signed)) await this.publish(null);
      await deleteSignedPrekeysBefore(Date.now() - PREKEY_POLICY.signedPrekeyRetentionMs);
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => console.error('prekeys', error));
  }

  private rotationDue(signed: SignedPrekeyPair): boolean {
    return Date.now() - signed.createdAt >= PREKEY_POLICY.signedPrekeyRotationMs;
  }

  /**
   * Publishes the signed prekey (a new one if there is none or it is due) and, when the server's
   * one-time count is given, as many new one-time prekeys as fit under the server's limit.
   */
  private async publish(heldOnServer: number | null): Promise<void> {
    const current = await newestSignedPrekey();
    // Nothing published from this device yet (a new install or a restored identity): whatever
    // one-time prekeys the server holds for this identity were made elsewhere and must go.
    const firstFromThisDevice = current === undefined;
    const fresh = !current || this.rotationDue(current) ? await generateSignedPrekey(this.me, current ? nextPrekeyId(current.id) : firstPrekeyId()) : null;
    const signed = fresh ?? current!;
    const held = firstFromThisDevice ? 0 : (heldOnServer ?? SERVER_LIMITS.maxOneTimePrekeys);
    const count = Math.max(0, Math.min(PREKEY_POLICY.oneTimePrekeyBatch, SERVER_LIMITS.maxOneTimePrekeys - held));
    const oneTime = count > 0 ? await generateOneTimePrekeys(await this.nextOneTimeId(), count) : [];
    await storePrekeys(fresh, oneTime);
    const sent = this.outlet.publishPrekeys({
      signed: publicSignedPrekey(signed),
      oneTime: oneTime.map(publicOneTimePrekey),
      ...(firstFromThisDevice ? { replace: true } : {}),
    });
    if (sent && firstFromThisDevice) this.firstPublications += 1;
  }

  /** One-time prekey IDs count on from the highest this device holds (random when it holds none). */
  private async nextOneTimeId(): Promise<number> {
    const ids = await oneTimePrekeyIds();
    return ids.length === 0 ? firstPrekeyId() : nextPrekeyId(Math.max(...ids));
  }
}
