import type { PresenceApi } from '../../shared/contract';
import type { AppErrorData } from '../../shared/errors';
import type { EnrollPose, EnrollShotResult } from '../../shared/types';
import type { GrabbedFrame } from './camera';
import { sessionId } from './ids';

export const POSES: EnrollPose[] = ['front', 'left', 'right', 'up', 'down'];

export interface KeptShot {
  pose: EnrollPose;
  shotId: string;
  /** Small JPEG data URL of the frame, for the review; never leaves the renderer. */
  snapshot: string | null;
}

export interface Consent {
  given: true;
  by: string;
  /** The version of the consent text the person was shown (privacy.consentText). */
  textVersion: number;
}

/**
 * Who is being enrolled: an existing person, or a new one (id null) whom main creates together with
 * their first saved templates, so leaving the wizard early leaves no empty person behind.
 */
export interface EnrollSubject {
  id: string | null;
  name: string;
  externalId: string | null;
  /** Templates they already have (an existing person): the review asks whether to replace or add. */
  savedTemplates?: number;
}

/** The `personId` / `newPerson` half of an enroll.commit or enroll.importPhotos input. */
export function targetOf(
  subject: EnrollSubject,
): { personId: string } | { newPerson: { name: string; externalId: string | null } } {
  return subject.id ? { personId: subject.id } : { newPerson: { name: subject.name, externalId: subject.externalId } };
}

/** Where frames come from: the camera in the app, a fake in component tests (jsdom has no camera). */
export interface FrameSource {
  /** Starts delivering frames, one at a time; returns a stop function. */
  start(deliver: (frame: GrabbedFrame, snapshot: () => string | null) => Promise<void>): () => void;
}

export type Duplicate = NonNullable<EnrollShotResult['duplicateOf']>;

type Shots = Record<EnrollPose, KeptShot | null>;
const EMPTY: Shots = { front: null, left: null, right: null, up: null, down: null };

/**
 * The rules of guided capture, apart from the camera: poses are taken in order, a shot is kept only when
 * main accepted it AND it shows the pose being asked for, a duplicate identity pauses capture until the
 * administrator decides.
 */
export class EnrollCapture {
  shots = $state.raw<Shots>({ ...EMPTY });
  last = $state.raw<EnrollShotResult | null>(null);
  error = $state.raw<AppErrorData | null>(null);
  duplicate = $state.raw<Duplicate | null>(null);
  duplicateAccepted = $state(false);
  /** Poses the administrator skipped (the person could not hold them): not asked again unless retried. */
  skipped = $state.raw<readonly EnrollPose[]>([]);
  current = $derived(POSES.find((p) => !this.shots[p] && !this.skipped.includes(p)) ?? null);
  kept = $derived(POSES.map((p) => this.shots[p]).filter((s): s is KeptShot => s !== null));
  complete = $derived(this.current === null);
  paused = $derived(this.duplicate !== null && !this.duplicateAccepted);

  #api: Pick<PresenceApi, 'enroll'>;
  #personId: string | null;
  /** Names this capture to main, which judges the turned poses against its own straight shot. */
  #session = sessionId();
  /** Set by discardAll: a shot main keeps after that (its answer was on the way) is dropped too. */
  #disposed = false;

  /** `personId` null: a new person, not created yet. */
  constructor(api: Pick<PresenceApi, 'enroll'>, personId: string | null) {
    this.#api = api;
    this.#personId = personId;
  }

  get shotIds(): string[] {
    return this.kept.map((s) => s.shotId);
  }

  /** Sends one frame; returns whether a shot was kept. */
  async submit(frame: GrabbedFrame, snapshot: () => string | null): Promise<boolean> {
    const pose = this.current;
    if (!pose || this.paused || this.#disposed) return false;
    const r = await this.#api.enroll.capture(
      this.#personId ? { frame, personId: this.#personId, session: this.#session } : { frame, session: this.#session },
    );
    if (this.#disposed) {
      // The capture was cancelled while this frame was in main: nothing of it may stay there.
      if (r.ok && r.value.shotId) void this.#api.enroll.discard({ shotIds: [r.value.shotId] });
      return false;
    }
    if (!r.ok) {
      this.error = r.error;
      return false;
    }
    this.error = null;
    this.last = r.value;
    const { accepted, shotId, duplicateOf } = r.value;
    if (duplicateOf && !this.duplicateAccepted && !this.duplicate) this.duplicate = duplicateOf;
    if (accepted && shotId && r.value.pose === pose && this.current === pose) {
      this.shots = { ...this.shots, [pose]: { pose, shotId, snapshot: snapshot() } };
      return true;
    }
    // Main keeps every accepted shot in its session; one we do not use is dropped right away.
    if (shotId) void this.#api.enroll.discard({ shotIds: [shotId] });
    return false;
  }

  retake(pose: EnrollPose): void {
    const shot = this.shots[pose];
    if (!shot) return;
    void this.#api.enroll.discard({ shotIds: [shot.shotId] });
    this.shots = { ...this.shots, [pose]: null };
    this.last = null;
  }

  /** Moves on without a shot of `pose`; the review then says how many shots are kept. */
  skip(pose: EnrollPose): void {
    if (this.shots[pose]) return;
    if (!this.skipped.includes(pose)) this.skipped = [...this.skipped, pose];
    this.last = null;
  }

  /** Asks for a skipped pose again. */
  unskip(pose: EnrollPose): void {
    this.skipped = this.skipped.filter((p) => p !== pose);
  }

  continueDespiteDuplicate(): void {
    this.duplicateAccepted = true;
  }

  /** Drops every kept shot (the wizard was cancelled or left without saving). */
  async discardAll(): Promise<void> {
    this.#disposed = true;
    const ids = this.shotIds;
    this.shots = { ...EMPTY };
    if (ids.length) await this.#api.enroll.discard({ shotIds: ids });
  }
}
