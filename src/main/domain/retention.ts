// Retention (Settings > Privacy): face data of people not seen for N days is erased, attendance older
// than M months is anonymised or deleted. The rules run at start and daily in the long-running hosts
// (PresenceApp.startBackgroundWork), and on demand; every run is audited with counts only.
import type { Settings } from '../../shared/settings';
import type { RetentionPreview, RetentionSummary } from '../../shared/types';
import type { Actor, RetentionCutoffs, Store } from '../db';
import type { FaceIndex } from './face-index';

const DAY_MS = 86_400_000;
/** A run is due when the last one is at least this old. */
export const RETENTION_INTERVAL_MS = DAY_MS;

/** The cut-offs the settings give at instant `nowMs`. Months are calendar months, counted in UTC. */
export function retentionCutoffs(settings: Settings, nowMs: number): RetentionCutoffs {
  let attendanceBefore: string | null = null;
  if (settings.attendanceRetentionMonths !== null) {
    const d = new Date(nowMs);
    d.setUTCMonth(d.getUTCMonth() - settings.attendanceRetentionMonths);
    attendanceBefore = d.toISOString();
  }
  return {
    faceDataBefore:
      settings.faceDataRetentionDays === null
        ? null
        : new Date(nowMs - settings.faceDataRetentionDays * DAY_MS).toISOString(),
    attendanceBefore,
    oldAttendance: settings.oldAttendance,
  };
}

export class RetentionService {
  constructor(
    private readonly deps: { store: Store; index: FaceIndex; settings: () => Settings },
    private readonly now: () => number,
  ) {}

  /** What the next run will remove, with the cut-offs it uses and when the last run was. */
  preview(): RetentionPreview {
    const cutoffs = retentionCutoffs(this.deps.settings(), this.now());
    return {
      ...this.deps.store.retention.preview(cutoffs),
      faceDataBefore: cutoffs.faceDataBefore,
      attendanceBefore: cutoffs.attendanceBefore,
      lastRunAt: this.deps.store.retention.lastRunAt(),
    };
  }

  /** Applies the rules now; the people whose face data went leave the live gallery. */
  run(actor: Actor): RetentionSummary {
    const { store, index } = this.deps;
    const { summary, faceDataErased } = store.retention.run(retentionCutoffs(this.deps.settings(), this.now()), actor);
    for (const id of faceDataErased) index.removePerson(id);
    if (summary.faceData.people + summary.attendance.anonymised + summary.attendance.deleted > 0) store.compact();
    return summary;
  }

  /** Runs when a rule is on and the last run is a day old (or none ran yet); null when not due. */
  runIfDue(): RetentionSummary | null {
    const s = this.deps.settings();
    if (s.faceDataRetentionDays === null && s.attendanceRetentionMonths === null) return null;
    const last = this.deps.store.retention.lastRunAt();
    if (last !== null && this.now() - Date.parse(last) < RETENTION_INTERVAL_MS) return null;
    return this.run('system');
  }
}
