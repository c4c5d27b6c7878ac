// Whether the admin screens are locked right now. App keeps an admin screen mounted, hidden and inert,
// under the unlock dialog when main ends the session (App.svelte); the screens read this to stop what
// must not run while locked (the enrollment camera) and to load again once unlocked.

export const adminLock = $state({
  locked: false,
  /** Counts unlocks that ended a lock: screens that load data depend on it to refresh. */
  unlocks: 0,
});

/** App's one writer. */
export function setAdminLocked(locked: boolean): void {
  if (adminLock.locked === locked) return;
  adminLock.locked = locked;
  if (!locked) adminLock.unlocks++;
}
