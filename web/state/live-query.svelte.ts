import { liveQuery } from 'dexie';

/**
 * A Dexie live query as rune state: `current` follows the database. `deps` is read inside the
 * effect, so the query restarts whenever the reactive values it returns change. Must be created
 * while a component initialises (it owns an $effect).
 */
export class LiveQuery<T, D> {
  current = $state<T>() as T;
  error = $state<unknown>(null);

  constructor(deps: () => D, query: (deps: D) => Promise<T>, initial: T) {
    this.current = initial;
    $effect(() => {
      const d = deps();
      const subscription = liveQuery(() => query(d)).subscribe({
        next: (value) => {
          this.current = value;
        },
        error: (error: unknown) => {
          this.error = error;
        },
      });
      return () => subscription.unsubscribe();
    });
  }
}
