// Who a face is, by the one rule the station uses: the gallery (FaceIndex) at the threshold in force.
// The kiosk asks it for the face of each frame; `presence identify` asks it for every face of a photo.
import { AppError } from '../../shared/errors';
import type { Box } from '../../shared/face';
import type { Settings } from '../../shared/settings';
import type { Store } from '../db';
import type { AnalyzeInput, FaceEngine } from '../engine';
import type { FaceIndex } from './face-index';
import type { MatchDecision } from './matcher';
import type { ThresholdInForce } from './threshold';

export type { MatchReason } from './matcher';

export type FaceDecision = MatchDecision & { threshold: ThresholdInForce };

export interface PhotoFace {
  box: Box;
  decision: FaceDecision;
  /** The person the face was accepted as; null when it was not accepted. */
  person: { id: string; name: string } | null;
}

export class IdentifyService {
  constructor(
    private readonly deps: { engine: FaceEngine; index: FaceIndex; store: Store; settings: () => Settings },
  ) {}

  /** The kiosk's decision for one embedding: nearest person, accepted or not, and the threshold used. */
  face(embedding: Float32Array, settings: Settings = this.deps.settings()): FaceDecision {
    return this.deps.index.identify(embedding, settings);
  }

  /**
   * Faces are compared only with a gallery of their own embedding space. They differ for the moments
   * while the face model changes (Settings > Face model): the engine runs the new one before the gallery
   * has been moved to it, and a face of one space scored against templates of another means nothing.
   */
  requireSpace(analysis: { encoderId: string }): void {
    const gallery = this.deps.index.encoderId;
    if (gallery !== null && analysis.encoderId !== gallery)
      throw new AppError(
        'ENGINE_UNAVAILABLE',
        'The face model is changing and the enrolled faces are being moved to it: try again in a moment.',
      );
  }

  /** Nobody is enrolled: a face matches nobody because there is nobody to match (the kiosk says so). */
  get galleryEmpty(): boolean {
    return this.deps.index.size === 0;
  }

  /**
   * Every face of one photo, largest first, each decided as the kiosk decides. An unreadable photo throws
   * its IMAGE_* error, a photo without a face NO_FACE.
   */
  async photo(input: AnalyzeInput): Promise<PhotoFace[]> {
    const analysis = await this.deps.engine.analyze(input, { maxFaces: 10, liveness: false, embed: true });
    if (analysis.faces.length === 0) throw new AppError('NO_FACE', 'No face found in this photo.');
    this.requireSpace(analysis);
    const settings = this.deps.settings();
    return analysis.faces.map((face) => {
      const decision = this.face(face.embedding, settings);
      const found = decision.accepted && decision.personId ? this.deps.store.people.get(decision.personId) : undefined;
      return { box: face.box, decision, person: found ? { id: found.id, name: found.name } : null };
    });
  }
}
