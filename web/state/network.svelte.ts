// Whether the browser has a network at all, as a rune: navigator.onLine and its events.

class NetworkState {
  /** False means surely offline; true only that some network is up (maybe not the server). */
  online = $state(navigator.onLine);

  constructor() {
    addEventListener('online', () => (this.online = true));
    addEventListener('offline', () => (this.online = false));
  }
}

export const network = new NetworkState();
