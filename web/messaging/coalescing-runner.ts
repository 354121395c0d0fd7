/**
 * Runs an async task per key, one run at a time. Requests that arrive during a run fold into a
 * single further run, so a burst of 500 sends causes two outbox reads, not 500.
 */
export class CoalescingRunner<K> {
  private readonly state = new Map<K, 'running' | 'again'>();

  constructor(
    private readonly task: (key: K) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(key: K): void {
    if (this.state.has(key)) {
      this.state.set(key, 'again');
      return;
    }
    this.state.set(key, 'running');
    void this.loop(key);
  }

  private async loop(key: K): Promise<void> {
    for (;;) {
      try {
        await this.task(key);
      } catch (error) {
        this.onError(error);
      }
      if (this.state.get(key) !== 'again') break;
      this.state.set(key, 'running');
    }
    this.state.delete(key);
  }
}
