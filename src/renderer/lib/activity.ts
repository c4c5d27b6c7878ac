// Work the administrator started and is waiting for (an import of many photos) counts as activity, so
// the idle timeout does not send the screens to the kiosk, and lock them, in the middle of it.
// App.svelte listens for this event beside touches and keys.
export const ACTIVITY_EVENT = 'presence:activity';

export function stillWorking(): void {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(ACTIVITY_EVENT));
}
