// Whether the admin screens are locked right now. App keeps an admin screen mounted, hidden and inert,
// under the unlock dialog when main ends the session (App.svelte); the screens read `locked` to stop what
// must not run while locked (the enrollment camera), and subscribe with `onUnlocked` to load again what
// main refused while they were locked.
import { untrack } from 'svelte';

export const adminLock = $state({ locked: false });

/** Plain, not reactive: nothing renders from the listeners. */
let unlockedListeners: ReadonlyArray<() => void> = [];

/** App's one writer. */
export function setAdminLocked(locked: boolean): void {
  if (adminLock.locked === locked) return;
  adminLock.locked = locked;
  // App calls this from an effect: what the listeners read (a screen's query, its dates) must not become
  // that effect's dependencies.
  if (!locked) untrack(() => unlockedListeners.forEach((listener) => listener()));
}

/**
 * Calls `listener` each time an unlock ends a lock; returns the unsubscribe. A screen subscribes in an
 * effect, which unsubscribes when the screen goes: `$effect(() => onUnlocked(() => void load()))`.
 */
export function onUnlocked(listener: () => void): () => void {
  unlockedListeners = [...unlockedListeners, listener];
  return () => {
    unlockedListeners = unlockedListeners.filter((l) => l !== listener);
  };
}
