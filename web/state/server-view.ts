import type { SignalingState } from '../net/signaling-client.ts';

// What the main screen says about the connection to the server. Without one Tincan still opens,
// shows every conversation and takes new messages (they wait on this device until it is back),
// so this is a plain statement of where things stand, never an error.

export interface ServerView {
  text: string;
  /** Connected: shown with a green dot. */
  ok: boolean;
}

export function describeServer(input: {
  signaling: SignalingState;
  /** navigator.onLine: false means there is surely no network; true only that there may be. */
  networkOnline: boolean;
  /**
   * An attempt failed since the server was last reached. The client goes connecting → offline →
   * connecting… while it retries; after a failure, "connecting" is one more try, not news.
   */
  failedBefore: boolean;
}): ServerView {
  const { signaling, networkOnline, failedBefore } = input;
  if (signaling === 'online') return { text: 'Connected', ok: true };
  if (signaling === 'replaced') return { text: 'Open in another tab', ok: false };
  if (!networkOnline) return { text: 'Offline: no network', ok: false };
  if (failedBefore || signaling === 'offline') return { text: 'Server unreachable: retrying…', ok: false };
  return { text: 'Connecting to server…', ok: false };
}
