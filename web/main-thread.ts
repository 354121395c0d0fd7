// Sharing the page's one thread with the person using it. A task that runs for more than about
// 50 ms delays whatever they do meanwhile (a tap, a key, the next frame), and on a slow phone the
// startup work (loading libsodium, signing in, making prekeys) is several times that. So long work
// is cut into pieces with yieldToMain between them, and work nothing waits for runs when the page
// is idle.

interface Scheduler {
  yield?: () => Promise<void>;
}

/**
 * Lets the browser run what is waiting (input, a frame, other tasks) before going on. Never
 * inside an IndexedDB transaction: it would commit while this waits.
 */
export function yieldToMain(): Promise<void> {
  // scheduler.yield (Chromium) resumes ahead of other tasks; a timeout goes to the back of the queue.
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs `task` when the page is idle (where the browser tells; elsewhere, as the next task). */
export function whenIdle(task: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(task, { timeout: 1000 });
  else setTimeout(task, 0);
}

/**
 * A getter that makes its value on first use and keeps it: for objects that take milliseconds to
 * build (date formatters, a grapheme segmenter), which the first screen should not wait for.
 */
export function lazily<T>(make: () => T): () => T {
  let value: { made: T } | null = null;
  return () => (value ??= { made: make() }).made;
}
