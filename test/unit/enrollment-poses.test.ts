// How enrollment judges the turned poses against the session's straight shot. The engine is a stand-in
// that reports the head angles the test chooses: turning a real head by a few degrees per frame is not
// possible with photos (real-camera enrollment runs in the kiosk-enrollment and browser e2e tests).
import { describe, expect, it } from 'vitest';
import { EnrollmentService } from '../../src/main/domain/enrollment';
import { NEUTRAL_PITCH_DEG } from '../../src/main/domain/enroll-pose';
import type { FaceEngine } from '../../src/main/engine';
import type { AnalyzeResult, FaceAnalysis, RgbaFrame } from '../../src/shared/face';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';

function faceAt(yaw: number, pitch = NEUTRAL_PITCH_DEG): FaceAnalysis {
  return {
    box: { x: 200, y: 120, width: 200, height: 200 },
    score: 0.99,
    landmarks: [],
    quality: {
      faceSizePx: 200,
      sharpness: 400,
      brightness: 120,
      contrast: 50,
      yaw,
      pitch,
      roll: 0,
      ok: true,
      reasons: [],
    },
    liveness: 0.9,
    embedding: new Float32Array(4).fill(0.5),
  };
}

function service() {
  let next: FaceAnalysis = faceAt(0);
  const engine = {
    analyze: async (): Promise<AnalyzeResult> => ({
      width: 640,
      height: 480,
      encoderId: 'test-4d',
      faces: [next],
      timings: { totalMs: 1 },
    }),
  } as unknown as FaceEngine;
  // Nobody is enrolled: the duplicate check finds no one. The store is not touched by capture.
  const index = { identify: () => ({ accepted: false, personId: null, distance: 1 }) };
  const enrollment = new EnrollmentService({
    engine,
    index: index as never,
    store: {} as never,
    settings: () => DEFAULT_SETTINGS,
  });
  const frame: RgbaFrame = { width: 2, height: 2, rgba: new Uint8Array(16) };
  const shoot = async (yaw: number, pitch = NEUTRAL_PITCH_DEG) => {
    next = faceAt(yaw, pitch);
    return enrollment.capture(frame, undefined, 'session-1');
  };
  return { enrollment, shoot };
}

describe('enrollment poses', () => {
  it('judges a slowly turning head against the first straight shot, not against the frame before', async () => {
    const { shoot } = service();
    expect((await shoot(2)).pose).toBe('front'); // the straight shot the wizard keeps
    const poses = [];
    for (let yaw = 6; yaw <= 30; yaw += 4) poses.push((await shoot(yaw)).pose);
    // 6 degrees past the straight shot is still straight; 10 and more is a turn to the left.
    expect(poses).toEqual(['front', 'left', 'left', 'left', 'left', 'left', 'left']);
    expect((await shoot(2)).pose).toBe('front'); // looking straight again is straight
  });

  it('takes a new straight reference once the kept one is retaken', async () => {
    const { enrollment, shoot } = service();
    const first = await shoot(-5); // a slightly turned straight shot: the reference
    expect(first.pose).toBe('front');
    expect((await shoot(5)).pose).toBe('left'); // 10 degrees past it
    enrollment.discard([first.shotId!]); // the administrator retakes the straight shot
    expect((await shoot(5)).pose).toBe('front'); // the new reference
    expect((await shoot(-5)).pose).toBe('right');
  });

  it('takes a straight shot from someone looking a little down at a camera above the screen', async () => {
    const { shoot } = service();
    // LFW's Alastair Campbell_0001 reads pitch -4.9°, 13° below the neutral 8°: straight, not "down".
    expect((await shoot(0, NEUTRAL_PITCH_DEG - 13)).pose).toBe('front');
    // Once that shot is the reference, tilting 7° from it is a pose.
    expect((await shoot(0, NEUTRAL_PITCH_DEG - 21)).pose).toBe('down');
    expect((await shoot(0, NEUTRAL_PITCH_DEG - 5)).pose).toBe('up');
  });
});
