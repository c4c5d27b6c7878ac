// The check-in itself: once the kiosk has confirmed a person, record the event the attendance rules ask
// for (in, out, or nothing inside the cooldown), or, in explicit mode, say what to ask them; and record
// what an explicitly asked person chose. Each answer carries the greeting the screen shows.
import type { Settings } from '../../shared/settings';
import type { AttendanceKind, KioskGreeting } from '../../shared/types';
import { workDayKey } from '../../shared/local-day';
import type { Store } from '../db';
import { nameKey } from '../../shared/limits';
import { decideAttendance } from './attendance-rules';

export interface CheckIn {
  personId: string;
  /** The station name recorded with the event (a kiosk screen's own, or the one in Settings). */
  stationName: string;
  distance: number;
  liveness: number | null;
  nowMs: number;
}

/** The greeting without the "Not you?" token, which the kiosk adds (it knows the screen). */
export type PlainGreeting = Omit<KioskGreeting, 'undo'>;

export type CheckInOutcome =
  | {
      kind: 'greeting';
      greeting: PlainGreeting;
      eventId: string | null;
      /** The automatic check-out this real one replaced (put back if the person voids this one). */
      replacedId: string | null;
    }
  | { kind: 'choose'; name: string; externalId: string | null; suggested: AttendanceKind; lastEventId: string | null };

/** The work day of an instant at this station (time zone and day boundary from Settings). */
export function workDayOf(nowMs: number, settings: Settings): string {
  return workDayKey(nowMs, settings.timeZone ?? undefined, settings.dayStartsAt);
}

/**
 * What tells this person apart on the kiosk screen: their external ID when another enrolled person has
 * the same name (shared/limits.ts nameKey), so that each of two John Smiths sees it was them; else null.
 */
function telling(store: Store, person: { id: string; name: string; externalId: string | null }): string | null {
  const key = nameKey(person.name);
  const twin = store.people.list({}).some((p) => p.id !== person.id && nameKey(p.name) === key);
  return twin ? person.externalId : null;
}

/**
 * An automatic punch that still stands in for the person: one an administrator corrected is theirs now,
 * and the kiosk does not overrule it.
 */
function standsIn(event: { source: string; correctedAt: string | null }): boolean {
  return event.source === 'auto' && event.correctedAt === null;
}

/**
 * The person checks out after the automatic check-out stood in for them: the automatic "out" goes
 * (audited), so the day has one check-out, the real one. Inside the caller's transaction.
 */
function replaceAutomaticOut(
  store: Store,
  last: { id: string; kind: AttendanceKind; source: string; correctedAt: string | null },
): string | null {
  if (last.kind !== 'out' || !standsIn(last)) return null;
  store.attendance.remove(last.id, 'Replaced by the real check-out at the kiosk', 'kiosk', 'attendance.replace_auto');
  return last.id;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The rules' input: the person's last event of the work day, as decideAttendance reads it. */
function lastOf(store: Store, personId: string, localDay: string) {
  const last = store.attendance.lastForPersonOnDay(personId, localDay);
  return {
    last,
    input: last ? { kind: last.kind, atMs: Date.parse(last.at), automatic: standsIn(last) } : null,
  };
}

const rulesOf = (settings: Settings) => ({
  cooldownMs: settings.cooldownMinutes * 60_000,
  mode: settings.attendanceMode,
  minInOutMs: settings.minInOutMinutes * 60_000,
});

/**
 * Whether a recognition now would write anything (or ask, in explicit mode): the kiosk spares a person
 * the liveness check when it would only greet them again (within the cooldown, already checked in).
 */
export function wouldRecord(store: Store, settings: Settings, personId: string, nowMs: number): boolean {
  const { input } = lastOf(store, personId, workDayOf(nowMs, settings));
  return decideAttendance(input, nowMs, rulesOf(settings)).action !== 'none';
}

/** What the rules ask for this recognition, recorded; null if the person vanished meanwhile (deleted). */
export function checkIn(store: Store, settings: Settings, c: CheckIn): CheckInOutcome | null {
  const person = store.people.get(c.personId);
  if (!person) return null;
  const localDay = workDayOf(c.nowMs, settings);
  return store.transaction((): CheckInOutcome => {
    const { last, input } = lastOf(store, c.personId, localDay);
    const decision = decideAttendance(input, c.nowMs, rulesOf(settings));
    if (decision.action === 'choose')
      return {
        kind: 'choose',
        name: person.name,
        externalId: telling(store, person),
        suggested: decision.kind,
        lastEventId: last?.id ?? null,
      };
    let eventId: string | null = null;
    const replacedId = decision.reason === 'late_check_out' && last ? replaceAutomaticOut(store, last) : null;
    if (decision.action === 'record') {
      eventId = store.attendance.record(
        {
          personId: c.personId,
          kind: decision.kind,
          at: new Date(c.nowMs).toISOString(),
          localDay,
          station: c.stationName,
          distance: c.distance,
          liveness: c.liveness,
        },
        'kiosk',
      ).id;
    }
    return {
      kind: 'greeting',
      eventId,
      replacedId,
      greeting: {
        name: person.name,
        externalId: telling(store, person),
        kind: decision.kind,
        at: eventId || !last ? new Date(c.nowMs).toISOString() : last.at,
        recorded: eventId !== null,
        reason: decision.reason,
        nextOutAt: iso(decision.nextOutAtMs),
      },
    };
  });
}

/**
 * Explicit mode: records what the person chose. 'gone': they were deleted meanwhile; 'changed': their
 * record changed since the choice was offered (another screen, the automatic check-out, a correction),
 * so the choice no longer answers the question it was asked for, and nothing is recorded.
 */
export function recordChoice(
  store: Store,
  settings: Settings,
  c: CheckIn & { kind: AttendanceKind; lastEventId: string | null },
): { greeting: PlainGreeting; eventId: string; replacedId: string | null } | 'gone' | 'changed' {
  const person = store.people.get(c.personId);
  if (!person) return 'gone';
  const at = new Date(c.nowMs).toISOString();
  const localDay = workDayOf(c.nowMs, settings);
  return store.transaction(() => {
    const last = store.attendance.lastForPersonOnDay(c.personId, localDay);
    if ((last?.id ?? null) !== c.lastEventId) return 'changed';
    const replacedId = last && c.kind === 'out' ? replaceAutomaticOut(store, last) : null;
    const event = store.attendance.record(
      {
        personId: c.personId,
        kind: c.kind,
        at,
        localDay,
        station: c.stationName,
        distance: c.distance,
        liveness: c.liveness,
      },
      'kiosk',
    );
    return {
      eventId: event.id,
      replacedId,
      greeting: {
        name: person.name,
        externalId: telling(store, person),
        kind: c.kind,
        at,
        recorded: true,
        reason: 'chosen' as const,
        nextOutAt: null,
      },
    };
  });
}
