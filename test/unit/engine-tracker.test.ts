// The tracker's bookkeeping, with constructed landmarks and a fake clock (no model involved; the engine
// test runs it on real frames).
import { describe, expect, it } from 'vitest';
import {
  boxFor,
  FaceTracker,
  MAX_TRACK_AGE_MS,
  REDETECT_EVERY,
  TRACK_MIN_MESH_SCORE,
} from '../../src/main/engine/tracker';
import type { Point } from '../../src/shared/face';

/** Five points of a face whose eyes are `d` apart, centred at (x, y), rolled by `roll` radians. */
function five(x: number, y: number, d = 40, roll = 0): Point[] {
  const c = Math.cos(roll);
  const s = Math.sin(roll);
  const at = (u: number, v: number): Point => [x + u * c - v * s, y + u * s + v * c];
  return [at(-d / 2, 0), at(d / 2, 0), at(0, d / 2), at(-d / 3, d), at(d / 3, d)];
}

describe('FaceTracker', () => {
  it('proposes where to look until the periodic search, and keeps the box in the same place on the face', () => {
    let now = 0;
    const tracker = new FaceTracker(() => now);
    expect(tracker.hint('cam', 640, 480)).toBeNull(); // nothing followed yet: detect
    const box = { x: 280, y: 190, width: 80, height: 90 };
    tracker.detected('cam', 640, 480, { box, score: 0.9, five: five(320, 220) });
    const states: string[] = [];
    for (let frame = 1; frame <= 2 * REDETECT_EVERY; frame++) {
      now += 100;
      const hint = tracker.hint('cam', 640, 480);
      if (!hint) {
        states.push('detect');
        tracker.detected('cam', 640, 480, { box, score: 0.9, five: five(320, 220) });
        continue;
      }
      states.push('track');
      expect(hint.box.x).toBeCloseTo(box.x, 6); // the face has not moved
      expect(hint.keypoints).toEqual(five(320, 220).slice(0, 2));
      tracker.tracked('cam', five(320, 220));
    }
    expect(states).toEqual([
      'track',
      'track',
      'track',
      'track',
      'detect',
      'track',
      'track',
      'track',
      'track',
      'detect',
    ]);
  });

  it('moves, scales and turns the box with the landmarks', () => {
    const shape = { dx: 0, dy: 0.5, width: 2, height: 2.25 };
    expect(boxFor(shape, five(100, 100, 40))).toEqual({ x: 60, y: 75, width: 80, height: 90 });
    const moved = boxFor(shape, five(200, 150, 80));
    expect(moved.width).toBeCloseTo(160, 9);
    expect(moved.x + moved.width / 2).toBeCloseTo(200, 9);
    expect(moved.y + moved.height / 2).toBeCloseTo(190, 9);
    const turned = boxFor(shape, five(100, 100, 40, Math.PI / 2)); // box centre below the eyes turns to their left
    expect(turned.x + turned.width / 2).toBeCloseTo(80, 9);
    expect(turned.y + turned.height / 2).toBeCloseTo(100, 9);
  });

  it('lets go on another frame size, after a pause, on weak or implausible landmarks, and when nobody is found', () => {
    let now = 0;
    const tracker = new FaceTracker(() => now);
    const follow = () =>
      tracker.detected('cam', 640, 480, { box: { x: 0, y: 0, width: 80, height: 80 }, score: 1, five: five(40, 30) });
    follow();
    expect(tracker.hint('cam', 1280, 720)).toBeNull();
    follow();
    now += MAX_TRACK_AGE_MS + 1;
    expect(tracker.hint('cam', 640, 480)).toBeNull();
    follow();
    expect(tracker.accepts('cam', TRACK_MIN_MESH_SCORE - 0.01, five(40, 30))).toBe(false);
    expect(tracker.accepts('cam', 0.99, five(40, 30, 100))).toBe(false); // eyes 2.5x farther apart: another face
    expect(tracker.accepts('cam', 0.99, five(44, 32, 44))).toBe(true);
    expect(tracker.accepts('other', 0.99, five(40, 30))).toBe(false);
    tracker.detected('cam', 640, 480, null);
    expect(tracker.hint('cam', 640, 480)).toBeNull();
  });
});
