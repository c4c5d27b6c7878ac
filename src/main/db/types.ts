// Row shapes the repositories return: plain camelCase objects, times as ISO-8601 UTC strings.
import type {
  AttendanceEvent as SharedAttendanceEvent,
  AttendanceKind,
  AttendanceSource,
  Person,
} from '../../shared/types';

/** Who caused a change; recorded in the audit log. */
export type Actor = 'admin' | 'kiosk' | 'cli' | 'system';
export const ACTORS: readonly Actor[] = ['admin', 'kiosk', 'cli', 'system'];

export type TemplateSource = 'camera' | 'import' | 'cli';
export const TEMPLATE_SOURCES: readonly TemplateSource[] = ['camera', 'import', 'cli'];

export type { AttendanceKind, AttendanceSource };
export { ATTENDANCE_KINDS, ATTENDANCE_SOURCES } from '../../shared/attendance';

/** A person as the contract shows them (shared/types.ts), and, for a list with tombstones, when deleted. */
export type PersonRow = Person & { deletedAt: string | null };

export interface TemplateMeta {
  id: string;
  personId: string;
  modelId: string;
  dim: number;
  quality: number | null;
  source: TemplateSource;
  pose: string | null;
  createdAt: string;
  /** It keeps its aligned face chip (shown in the template list, and re-embedded for a new encoder). */
  hasChip: boolean;
  /** It could not be decrypted and was set aside (templates-repo.ts). */
  damaged: boolean;
}

export interface LoadedTemplate {
  templateId: string;
  personId: string;
  embedding: Float32Array;
}

/** An event as the contract shows it, plus the row's own bookkeeping. */
export interface AttendanceEvent extends SharedAttendanceEvent {
  createdAt: string;
  updatedAt: string;
}

export interface DaySummaryRow {
  personId: string;
  name: string;
  firstIn: string | null;
  lastOut: string | null;
  events: number;
  /** The person's last event that day was 'in'. */
  present: boolean;
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actor: Actor;
  action: string;
  subjectId: string | null;
  details: unknown;
}

export interface AdminAuthState {
  pinHash: string | null;
  failedAttempts: number;
  lockedUntil: string | null;
}
