// Plain data that crosses the contract. Shared by main, CLI and renderer.
import type { Box, EngineStatus, FaceQuality, Point, QualityReason } from './face';

export interface Person {
  id: string;
  name: string;
  externalId: string | null;
  notes: string | null;
  consentAt: string | null;
  consentBy: string | null;
  templateCount: number;
  hasThumbnail: boolean;
  /** Other records whose face is nearly the same as this person's: probably the same person enrolled twice. */
  probableDuplicates?: { id: string; name: string; distance: number }[];
  /**
   * What of this person's is stored but cannot be read (damaged, or written by a newer Presence): set
   * aside, not used for recognition, until they are enrolled again. Absent when everything reads.
   */
  unreadable?: { templates: number; thumbnail: boolean };
  createdAt: string;
  updatedAt: string;
}

/** 'break' starts a break: the time until the next 'in' is not worked time. */
export type AttendanceKind = 'in' | 'out' | 'break';

/**
 * Where an event comes from: a recognition at a kiosk, an administrator's entry (a missed punch), or
 * the automatic check-out of people still in at the set time (Settings, `autoCheckOut`).
 */
export type AttendanceSource = 'kiosk' | 'manual' | 'auto';

export interface AttendanceEvent {
  id: string;
  personId: string;
  personName: string;
  /** The person's employee or student number, for payroll; null when none was given. */
  externalId: string | null;
  kind: AttendanceKind;
  /** ISO-8601 UTC. */
  at: string;
  /** YYYY-MM-DD: the work day at the station (the day boundary decides where a night shift belongs). */
  localDay: string;
  station: string;
  distance: number | null;
  liveness: number | null;
  source: AttendanceSource;
  /** When an administrator last changed its time or kind; null when never corrected. */
  correctedAt: string | null;
  /** The reason given for adding or last correcting it; null for an untouched kiosk or automatic event. */
  reason: string | null;
}

/**
 * What a day's record says beyond its times: an administrator added or changed a punch, the check-out
 * was automatic, or the day ended with nobody checking out (a missed punch).
 */
export type AttendanceFlag = 'manual' | 'corrected' | 'automatic' | 'missing_out';

/** One person on one day, for the attendance screen and exports. */
export interface AttendanceDayRow {
  personId: string;
  name: string;
  externalId: string | null;
  localDay: string;
  firstIn: string | null;
  lastOut: string | null;
  /** Worked minutes: the sum of in→out (or in→break) intervals; an open "in" counts until now only today. */
  minutes: number;
  /** Minutes on break (break→in), not counted in `minutes`. */
  breakMinutes: number;
  events: number;
  present: boolean;
  flags: AttendanceFlag[];
}

export interface AttendanceReport {
  from: string;
  to: string;
  rows: AttendanceDayRow[];
  /** Distinct people present per day, for the chart. */
  daily: Array<{ localDay: string; present: number }>;
  /**
   * The station records check-ins only: nobody checks out, so nobody is "in now" and there are no hours
   * (rows have `present: false` and `minutes: 0`); the screens say who checked in instead.
   */
  checkInOnly: boolean;
  /** The IANA zone the days and clock times are in (the station's), for the screen to say so. */
  timeZone: string;
}

export interface ExportFile {
  filename: string;
  mime: string;
  bytes: Uint8Array;
}

export interface AdminStatus {
  hasPin: boolean;
  unlocked: boolean;
  /** ms left of a lock-out after repeated wrong PINs; 0 when none. */
  retryAfterMs: number;
  /** The admin session ends by itself after this many ms without use. */
  idleTimeoutMs: number;
}

export interface AppInfo {
  name: string;
  version: string;
  /** Where the data lives; empty unless the admin session is unlocked (the paths name the OS account). */
  dataPath: string;
  databasePath: string;
  transport: 'electron' | 'http';
  platform: string;
  engine: Pick<EngineStatus, 'state' | 'backend' | 'encoderId'>;
  /** Stored values that cannot be read and are set aside (templates and thumbnails of live people, settings). */
  unreadable?: { templates: number; thumbnails: number; settings: number };
  /** The audit log's hash chain, checked when the database was opened. */
  auditLog?: AuditLogStatus;
}

/** The audit log's hash chain (src/main/db/audit-chain.ts): no personal data, only where it breaks. */
export interface AuditLogStatus {
  ok: boolean;
  entries: number;
  /** The last entry's hash: printed so that an outside copy can prove later that nothing was cut off. */
  head: string;
  /** The first entry that does not follow from the ones before it; null when the chain holds. */
  brokenAt: { seq: number; at: string } | null;
}

/** Live guidance for a face in front of the camera; keys translated by the renderer. */
/** 'nobody_enrolled' comes with an unknown face when the station has nobody enrolled yet. */
export type Guidance =
  | QualityReason
  | 'no_face'
  | 'multiple_faces'
  | 'hold_still'
  | 'not_live'
  | 'nobody_enrolled'
  /** The active liveness check was not passed in time: nothing was recorded. */
  | 'challenge_failed'
  /** Someone else was recognised during the check: nothing was recorded. */
  | 'challenge_interrupted';

export interface FaceOverlay {
  box: Box;
  landmarks: Point[];
  quality: FaceQuality;
  liveness: number | null;
}

/** What the kiosk shows after one frame. Never carries another person's data. */
/**
 * 'greeted': the person greeted a moment ago is still in front; nothing more happens until they leave.
 * 'choose': recognised in explicit mode; the screen asks In, Out or Break (`choice`).
 */
export type KioskState =
  | 'idle'
  | 'pending'
  | 'recognised'
  | 'unknown'
  | 'guidance'
  | 'greeted'
  | 'choose'
  /** Liveness required: the person is asked to turn their head before anything is recorded. */
  | 'challenge';

/** Which way the active liveness check asks the person to turn: their own left or right. */
export type ChallengeTurn = 'left' | 'right';

/** The active liveness check's prompt (domain/liveness-challenge.ts). */
export interface KioskChallenge {
  turn: ChallengeTurn;
  /** 1-based: this turn, of `steps`. */
  step: number;
  steps: number;
  /** Time left for this turn when the frame was judged (relative: the screen's clock may differ from main's). */
  msLeft: number;
}

/**
 * Why a recognition was or was not recorded (domain/attendance-rules.ts):
 * first_of_day, toggled (alternate: the opposite of the last), chosen (explicit mode), within_cooldown
 * (just recorded), already_checked_in (check-in-only mode), too_soon_to_check_out (alternate: inside the
 * minimum time between an in and an out).
 */
export type AttendanceReason =
  | 'first_of_day'
  | 'toggled'
  | 'chosen'
  | 'within_cooldown'
  | 'already_checked_in'
  | 'too_soon_to_check_out'
  /** Alternate mode: the pass after an automatic check-out is the person's real check-out, which replaces it. */
  | 'late_check_out';

export interface KioskGreeting {
  name: string;
  /**
   * The person's external ID when someone else enrolled has the same name (two John Smiths must see
   * which of them was recorded); null otherwise.
   */
  externalId: string | null;
  kind: AttendanceKind;
  /** ISO-8601 UTC: of the event recorded now, or, when nothing was recorded, of the last one. */
  at: string;
  /** false when nothing new was written (see `reason`). */
  recorded: boolean;
  reason: AttendanceReason;
  /** Alternate mode, after a check-in: from when a pass counts as a check-out (ISO); null otherwise. */
  nextOutAt: string | null;
  /** "Not you?": present when this greeting recorded an event, which the person may void until `until`. */
  undo: { token: string; until: string } | null;
}

/** Explicit mode: the recognised person chooses what to record; the screen sends `suggested` on time-out. */
export interface KioskChoice {
  token: string;
  name: string;
  /** As KioskGreeting.externalId. */
  externalId: string | null;
  options: AttendanceKind[];
  /** The person's most likely choice: the opposite of their last punch today (in when none). */
  suggested: AttendanceKind;
  /** The screen records `suggested` after this long without a touch. */
  timeoutMs: number;
}

export interface KioskFrameResult {
  state: KioskState;
  /** Size of the frame that boxes refer to. */
  width: number;
  height: number;
  face: FaceOverlay | null;
  guidance: Guidance[];
  greeting: KioskGreeting | null;
  /** state 'choose' only. */
  choice: KioskChoice | null;
  /** state 'challenge' only. */
  challenge: KioskChallenge | null;
  ms: number;
}

export type EnrollPose = 'front' | 'left' | 'right' | 'up' | 'down';

export interface EnrollShotResult {
  /** Present only when the shot was kept: pass it to enroll.commit. */
  shotId: string | null;
  accepted: boolean;
  guidance: Guidance[];
  face: FaceOverlay | null;
  width: number;
  height: number;
  /** The pose the face shows, judged from the landmarks. */
  pose: EnrollPose | null;
  /** The face is already enrolled as someone else. */
  duplicateOf: { personId: string; name: string; distance: number } | null;
}

/** One of a person's face templates, as the People screen lists them (no embedding, no face data). */
export interface TemplateSummary {
  id: string;
  createdAt: string;
  quality: number | null;
  /** 'camera', 'import' (the screens) or 'cli'. */
  source: string;
  pose: string | null;
  /** The encoder that made it, and whether recognition uses it now (the gallery's encoder). */
  encoderId: string;
  inUse: boolean;
  hasChip: boolean;
  damaged: boolean;
}

export interface EnrollCommitResult {
  person: Person;
  added: number;
  /** Earlier templates removed by a re-enrollment that replaces them (0 when added to them). */
  replaced: number;
}

export interface ImportPhotoResult {
  name: string;
  ok: boolean;
  /** Not added because this very file is enrolled for this person already (a re-run adds nothing twice). */
  alreadyEnrolled: boolean;
  error: { code: string; message: string } | null;
  duplicateOf: { personId: string; name: string; distance: number } | null;
}

export interface ImportPhotosResult {
  results: ImportPhotoResult[];
  /** The person the good photos were saved to (created now when new); null when none was good. */
  person: Person | null;
}

export interface CalibrationPoint {
  threshold: number;
  /** The chance that a stranger is accepted as anyone enrolled here, per the encoder's distance table. */
  far: number | null;
  /** The share of an enrolled person's frames turned away, per the table. */
  frr: number | null;
}

/** Where the threshold in force comes from (src/main/domain/threshold.ts says how each is made). */
export type ThresholdSource = 'administrator' | 'table' | 'station' | 'encoder-default';

/** Two enrolled records whose faces are nearly the same: probably one person enrolled twice. */
export interface ProbableDuplicate {
  personId: string;
  otherId: string;
  /** Distance between their centroids. */
  distance: number;
}

/** The threshold in force for a target false-accept rate, and what it means (`engine.calibrate`). */
export interface CalibrationResult {
  /** FAR (1:N at this station) and FRR over thresholds, ascending; empty without a distance table. */
  curve: CalibrationPoint[];
  alpha: number;
  targetFar: number;
  source: ThresholdSource;
  /** People enrolled: the N of the 1:N rate. */
  people: number;
  /** The per-comparison rate the table is read at: about targetFar / people. */
  perComparisonFar: number;
  /** The table's alpha before the station's look-alikes; null without a table. */
  tableAlpha: number | null;
  /** The lowest alpha look-alikes may tighten to; null without a table. */
  floorAlpha: number | null;
  /** At alpha: the chance a stranger is accepted as anyone enrolled here (per frame); null without a table. */
  expectedFar: number | null;
  /** At alpha: the share of an enrolled person's frames not accepted; null without a table. */
  expectedFrr: number | null;
  /** The target is stricter than the table measured: alpha is its strictest row. */
  extrapolated: boolean;
  /** Probable duplicates among the enrolled people (left out of the look-alike check). */
  duplicates: ProbableDuplicate[];
  /** The closest two different enrolled people came (duplicates left out); null with fewer than two. */
  closestLookAlike: { personId: string; otherId: string; distance: number } | null;
  /** What the table was measured on; null when the encoder ships none. */
  table: { measuredOn: string; impostorPairs: number; genuinePairs: number } | null;
  /** What was done and what it means, in a sentence or two, for the log and the CLI. */
  note: string;
}

/** What a consent event is about. One scope today: the use of the face for recognition at check-in. */
export type ConsentScope = 'face-recognition';

/** How a consent event was recorded: in the screens (enrollment wizard), a bulk import, or the CLI. */
export type ConsentMethod = 'screen' | 'import' | 'cli';

/** One consent event of a person's history (given or withdrawn); the history is never rewritten. */
export interface ConsentEvent {
  id: string;
  personId: string;
  kind: 'given' | 'withdrawn';
  scope: ConsentScope;
  /** The operator who recorded it (not the person's own data). */
  recordedBy: string;
  method: ConsentMethod;
  /** ISO-8601 UTC. */
  at: string;
  /** The version of the consent text that was shown (ConsentText); null for consent recorded before texts were versioned. */
  textVersion: number | null;
}

/** The consent text shown to the person before enrollment, one version, in each language of the UI. */
export interface ConsentText {
  version: number;
  texts: { en: string; 'zh-CN': string };
  /** When this version came into force (ISO-8601 UTC). */
  createdAt: string;
}

/** people.erase: what the erasure left behind. */
export interface ErasureResult {
  id: string;
  erased: true;
  /** The random label that replaces the name in the tombstone (and in kept attendance). */
  label: string;
  /** Attendance rows kept under the label for payroll, or deleted (Settings, erasedAttendance). */
  attendance: 'kept' | 'deleted';
  attendanceRows: number;
}

/** people.withdrawConsent: the consent event recorded and the biometric data erased with it. */
export interface ConsentWithdrawal {
  event: ConsentEvent;
  templatesErased: number;
  thumbnailErased: boolean;
}

/** What the next retention run will remove (or what a run removed). */
export interface RetentionSummary {
  /** People not seen for the set number of days whose face data goes. */
  faceData: { people: number; templates: number; thumbnails: number };
  /** Attendance rows older than the set number of months: anonymised, or deleted. */
  attendance: { anonymised: number; deleted: number };
}

export interface RetentionPreview extends RetentionSummary {
  /** The cut-off times the rules give now (ISO-8601 UTC), null where the rule is off. */
  faceDataBefore: string | null;
  attendanceBefore: string | null;
  /** When the last run was, null if never. */
  lastRunAt: string | null;
}

/** Settings > Privacy: what is stored, where and for how long, from the actual data and settings. */
export interface PrivacyOverview {
  stored: {
    people: number;
    /** People whose face data is stored (templates or a thumbnail). */
    withFaceData: number;
    templates: number;
    thumbnails: number;
    attendanceEvents: number;
    /** Erased people's tombstones (a random label, nothing else). */
    tombstones: number;
    auditEntries: number;
  };
  /** Where the data lives (admin only, like the rest of the overview). */
  databasePath: string;
  /** Where the template key lives (never the key). */
  keyLocation: string;
  consentText: ConsentText;
  retention: RetentionPreview;
  auditLog: AuditLogStatus;
}

/** Scheduled backups into a folder: every so many days, the newest `keep` files kept. */
export interface BackupSchedule {
  folder: string;
  everyDays: number;
  keep: number;
}

/** backup.status: the schedule (null when off) and how the backups went. Times ISO-8601 UTC. */
export interface BackupStatus {
  schedule: BackupSchedule | null;
  lastBackupAt: string | null;
  lastFile: string | null;
  /** Why the last attempt failed, as a sentence; null once a backup succeeded after it. */
  lastError: string | null;
  /** When the schedule makes its next backup; null when it is off. */
  nextAt: string | null;
}

/** backup.now: the file written. */
export interface BackupResult {
  file: string;
  bytes: number;
  at: string;
}

/** This station's sync with the organisation's hub (presence sync --status, Settings > Sync). */
export interface SyncStatus {
  joined: boolean;
  /** The hub's address without credentials. */
  hub: string | null;
  stationId: string | null;
  stationName: string | null;
  joinedAt: string | null;
  lastSyncAt: string | null;
  /** Changes made here not yet on the hub. */
  pending: number;
  /** Records pulled from the hub that this station cannot take yet, and why the first of them cannot. */
  waiting: number;
  waitingProblem: string | null;
  lastError: { code: string; message: string; at: string } | null;
}

/** One sync round's counts. */
export interface SyncRoundResult {
  pushed: number;
  pulled: number;
  applied: number;
  /** Pulled records that wait, after this round, for what they refer to or for a conflict to be fixed. */
  deferred: number;
  /** People erased at another station and erased here. */
  erased: number;
  galleryChanged: boolean;
  pending: number;
  at: string;
}
