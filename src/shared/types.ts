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
  createdAt: string;
  updatedAt: string;
}

export type AttendanceKind = 'in' | 'out';

export interface AttendanceEvent {
  id: string;
  personId: string;
  personName: string;
  kind: AttendanceKind;
  /** ISO-8601 UTC. */
  at: string;
  /** YYYY-MM-DD at the station. */
  localDay: string;
  station: string;
  distance: number | null;
  liveness: number | null;
}

/** One person on one day, for the attendance screen and exports. */
export interface AttendanceDayRow {
  personId: string;
  name: string;
  localDay: string;
  firstIn: string | null;
  lastOut: string | null;
  /** Minutes between paired in/out events; an open "in" counts until now only for today. */
  minutes: number;
  events: number;
  present: boolean;
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
}

/** Live guidance for a face in front of the camera; keys translated by the renderer. */
export type Guidance = QualityReason | 'no_face' | 'multiple_faces' | 'hold_still' | 'not_live';

export interface FaceOverlay {
  box: Box;
  landmarks: Point[];
  quality: FaceQuality;
  liveness: number | null;
}

/** What the kiosk shows after one frame. Never carries another person's data. */
/** 'greeted': the person greeted a moment ago is still in front; nothing more happens until they leave. */
export type KioskState = 'idle' | 'pending' | 'recognised' | 'unknown' | 'guidance' | 'greeted';

export interface KioskGreeting {
  name: string;
  kind: AttendanceKind;
  /** ISO-8601 UTC. */
  at: string;
  /** false when the recognition fell inside the cooldown and nothing new was written. */
  recorded: boolean;
}

export interface KioskFrameResult {
  state: KioskState;
  /** Size of the frame that boxes refer to. */
  width: number;
  height: number;
  face: FaceOverlay | null;
  guidance: Guidance[];
  greeting: KioskGreeting | null;
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

export interface EnrollCommitResult {
  person: Person;
  added: number;
}

export interface ImportPhotoResult {
  name: string;
  ok: boolean;
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
  /** null when there are no impostor pairs to measure it. */
  far: number | null;
  /** null when there are no genuine pairs to measure it (everyone enrolled with one template). */
  frr: number | null;
}

export interface CalibrationResult {
  /** Thresholds of the grid plus alpha and the EER threshold, ascending. */
  curve: CalibrationPoint[];
  alpha: number;
  targetFar: number;
  /** Pairs actually used (after sampling). */
  genuinePairs: number;
  impostorPairs: number;
  /** Equal error rate, the mean of FAR and FRR where they are closest; null without genuine pairs. */
  eer: number | null;
  eerThreshold: number | null;
  source: 'enrolled' | 'evaluation' | 'default';
  /** What was done and what it means, in a sentence or two, for the settings screen and the log. */
  note: string;
}
