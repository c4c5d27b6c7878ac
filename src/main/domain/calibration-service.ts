// engine.calibrate: the FAR/FRR curve of the people enrolled at this station and the threshold that
// meets the administrator's target false-accept rate. Applying it is a separate settings.set.
import type { Settings } from '../../shared/settings';
import type { CalibrationResult } from '../../shared/types';
import { calibrate } from './calibration';
import type { FaceIndex } from './face-index';

export class CalibrationService {
  constructor(
    private readonly index: FaceIndex,
    private readonly settings: () => Settings,
  ) {}

  calibrate(targetFar?: number): CalibrationResult {
    const people = [...this.index.templatesByPerson()].map(([personId, embeddings]) => ({ personId, embeddings }));
    const encoder = this.index.encoder;
    return calibrate(people, {
      targetFar: targetFar ?? this.settings().targetFar,
      defaultAlpha: encoder.defaultThreshold ?? this.index.threshold(this.settings()),
    });
  }
}
