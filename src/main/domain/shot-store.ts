// The camera shots the guided wizard kept, held in memory (never on disk) until the administrator saves
// them with the person's consent or they expire: nothing biometric is stored without that consent. Also
// each capture session's straight shot, the reference its turned poses are judged against.
import { randomUUID } from 'node:crypto';
import type { EnrollPose } from '../../shared/types';
import type { Angles } from './enroll-pose';

const SHOT_TTL_MS = 15 * 60_000;
const MAX_SHOTS = 60;

export interface Shot {
  embedding: Float32Array;
  /** The space of the embedding (AnalyzeResult.encoderId). */
  encoderId: string;
  thumbnailJpeg: Uint8Array | null;
  /** The aligned face chip, stored with the template so a later encoder can embed it again. */
  chip: Uint8Array | null;
  quality: number;
  pose: EnrollPose;
  createdAt: number;
}

export class ShotStore {
  private readonly shots = new Map<string, Shot>();
  /** The straight shot per capture session (or person): the reference for the turned poses. */
  private readonly fronts = new Map<string, Angles & { at: number; shotId: string }>();

  constructor(private readonly now: () => number) {}

  /**
   * The session's straight shot while it is kept. Every later shot judged 'front' must not replace it,
   * or a head turning a few degrees a frame would drag it along and never reach 'left'; a retaken
   * (discarded) or expired straight shot lets the next one take its place.
   */
  front(session: string): Angles | undefined {
    this.expire();
    const stored = this.fronts.get(session);
    return stored && this.shots.has(stored.shotId) ? stored : undefined;
  }

  /** Keeps a shot (the oldest goes beyond MAX_SHOTS); a straight one becomes the session's reference. */
  keep(session: string, shot: Omit<Shot, 'createdAt'>, angles: Angles): string {
    if (this.shots.size >= MAX_SHOTS) this.shots.delete(this.shots.keys().next().value as string);
    const shotId = randomUUID();
    if (shot.pose === 'front' && !this.front(session))
      this.fronts.set(session, { yaw: angles.yaw, pitch: angles.pitch, at: this.now(), shotId });
    this.shots.set(shotId, { ...shot, createdAt: this.now() });
    return shotId;
  }

  /** The kept shot, or undefined when it expired or was saved or discarded. */
  get(shotId: string): Shot | undefined {
    this.expire();
    return this.shots.get(shotId);
  }

  discard(shotIds: readonly string[]): number {
    let discarded = 0;
    for (const id of shotIds) if (this.shots.delete(id)) discarded++;
    return discarded;
  }

  private expire(): void {
    const cutoff = this.now() - SHOT_TTL_MS;
    for (const [id, shot] of this.shots) if (shot.createdAt < cutoff) this.shots.delete(id);
    for (const [id, front] of this.fronts) if (front.at < cutoff) this.fronts.delete(id);
  }
}
