// The check-in itself: once the kiosk has confirmed a person, record the event the attendance rules ask
// for (in or out, or nothing inside the cooldown) and say what to greet them with.
import type { Settings } from '../../shared/settings';
import type { KioskGreeting } from '../../shared/types';
import type { Store } from '../db';
import { decideAttendance } from './attendance-rules';
import { localDayKey } from '../../shared/local-day';

export interface CheckIn {
  personId: string;
  /** The station name recorded with the event (a kiosk screen's own, or the one in Settings). */
  stationName: string;
  distance: number;
  liveness: number | null;
  nowMs: number;
}

/** Records the event the rules ask for; null if the person vanished meanwhile (deleted). */
export function recordCheckIn(store: Store, settings: Settings, c: CheckIn): KioskGreeting | null {
  const person = store.people.get(c.personId);
  if (!person) return null;
  const localDay = localDayKey(c.nowMs, settings.timeZone ?? undefined);
  const at = new Date(c.nowMs).toISOString();
  return store.transaction(() => {
    const last = store.attendance.lastForPersonOnDay(c.personId, localDay);
    const decision = decideAttendance(last ? { kind: last.kind, atMs: Date.parse(last.at) } : null, c.nowMs, {
      cooldownMs: settings.cooldownMinutes * 60_000,
      mode: settings.attendanceMode,
    });
    if (decision.record) {
      store.attendance.record(
        {
          personId: c.personId,
          kind: decision.kind,
          at,
          localDay,
          station: c.stationName,
          distance: c.distance,
          liveness: c.liveness,
        },
        'kiosk',
      );
    }
    return {
      name: person.name,
      kind: decision.kind,
      at: decision.record || !last ? at : last.at,
      recorded: decision.record,
    };
  });
}
