import { verify } from '../web/crypto/identity.ts';
import type { PeerId } from '../web/protocol/ids.ts';
import { authTranscript } from '../web/protocol/transcripts.ts';

// Which origin a client's auth signature must name, and the check itself. Binding the origin
// stops a malicious server from relaying our challenge to its users and logging in here as them.

/**
 * The origins a signature may name on a connection. A configured public origin is the only
 * answer. Without one, the Host header is what binds: behind a TLS-terminating proxy the client
 * signs https:// while this process sees plain http, so either scheme is accepted.
 */
export function acceptedAuthOrigins(publicOrigin: string | undefined, hostHeader: string | undefined): string[] {
  if (publicOrigin !== undefined) return [publicOrigin];
  if (!hostHeader) return [];
  try {
    // Through URL, so the form matches the client's signalingOrigin(): lower case, no default port.
    return [new URL(`http://${hostHeader}`).origin, new URL(`https://${hostHeader}`).origin];
  } catch {
    return []; // an unparseable Host header can match no signature
  }
}

/** Whether `sig` is `id`'s signature over this connection's nonce and one accepted origin. */
export async function verifyAuth(
  auth: { id: PeerId; sig: string },
  nonce: string,
  origins: readonly string[],
): Promise<boolean> {
  for (const origin of origins) {
    if (await verify(auth.id, authTranscript(nonce, origin), auth.sig)) return true;
  }
  return false;
}
