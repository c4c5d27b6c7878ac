// Face tracking across the frames of one camera stream, as MediaPipe's face pipeline does: once the
// detector has found a face, the next frame's landmarks are looked for where that face now is (derived
// from its last landmarks), and the detector runs again only every few frames (to see who else came)
// or as soon as the face is lost. On a 640x480 kiosk frame this skips the detector (about a fifth of a
// live frame's time, bench/RESULTS.md) on most frames.
import type { Box, Point } from '../../shared/face';
import type { Detection } from './detector';

/** The detector runs at least on every this-many-th frame of a stream, so new faces are seen soon. */
export const REDETECT_EVERY = 5;
/** A track older than this is not trusted: the person may have left and someone else arrived. */
export const MAX_TRACK_AGE_MS = 1000;
/** A tracked face's landmarks need more confidence than a detected one's (the crop is only a guess). */
export const TRACK_MIN_MESH_SCORE = 0.5;
/** Beyond this change of eye distance between two frames, the landmarks are not the same face. */
const MAX_SCALE_CHANGE = 1.5;
/**
 * At most this many streams are remembered (one per kiosk screen: domain/kiosk-stations.ts). Far more screens than
 * one engine can serve at a useful frame rate; a track is a few numbers.
 */
export const MAX_TRACKED_STREAMS = 16;

/** Where the detector's box sits relative to the eyes, in eye distances, in the eyes' own frame. */
interface BoxShape {
  dx: number;
  dy: number;
  width: number;
  height: number;
}

interface Track {
  width: number;
  height: number;
  shape: BoxShape;
  score: number;
  five: Point[];
  framesSinceDetect: number;
  atMs: number;
}

interface Eyes {
  mid: Point;
  dist: number;
  cos: number;
  sin: number;
}

function eyesOf(five: readonly Point[]): Eyes {
  const [re, le] = five as [Point, Point];
  const vx = le[0] - re[0];
  const vy = le[1] - re[1];
  const dist = Math.hypot(vx, vy) || 1;
  return { mid: [(re[0] + le[0]) / 2, (re[1] + le[1]) / 2], dist, cos: vx / dist, sin: vy / dist };
}

function shapeOf(box: Box, five: readonly Point[]): BoxShape {
  const e = eyesOf(five);
  const cx = box.x + box.width / 2 - e.mid[0];
  const cy = box.y + box.height / 2 - e.mid[1];
  // rotate into the eyes' frame (by -roll) and measure in eye distances
  return {
    dx: (cx * e.cos + cy * e.sin) / e.dist,
    dy: (-cx * e.sin + cy * e.cos) / e.dist,
    width: box.width / e.dist,
    height: box.height / e.dist,
  };
}

/** The detector-style box a face with these landmarks would have, given the track's box shape. */
export function boxFor(shape: BoxShape, five: readonly Point[]): Box {
  const e = eyesOf(five);
  const cx = e.mid[0] + (shape.dx * e.cos - shape.dy * e.sin) * e.dist;
  const cy = e.mid[1] + (shape.dx * e.sin + shape.dy * e.cos) * e.dist;
  const width = shape.width * e.dist;
  const height = shape.height * e.dist;
  return { x: cx - width / 2, y: cy - height / 2, width, height };
}

export class FaceTracker {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Where to look in this frame of `stream` instead of running the detector, or null when the detector
   * must run (no track, another frame size, a stale track, or time for the periodic search).
   */
  hint(stream: string, width: number, height: number): Detection | null {
    const t = this.tracks.get(stream);
    if (!t) return null;
    if (t.width !== width || t.height !== height || this.now() - t.atMs > MAX_TRACK_AGE_MS) {
      this.tracks.delete(stream);
      return null;
    }
    if (t.framesSinceDetect + 1 >= REDETECT_EVERY) return null;
    return { box: boxFor(t.shape, t.five), score: t.score, keypoints: t.five.slice(0, 2) };
  }

  /** Whether landmarks found from a hint are still the tracked face (else the caller falls back to the detector). */
  accepts(stream: string, meshScore: number, five: readonly Point[]): boolean {
    const t = this.tracks.get(stream);
    if (!t || meshScore < TRACK_MIN_MESH_SCORE) return false;
    const ratio = eyesOf(five).dist / eyesOf(t.five).dist;
    return ratio < MAX_SCALE_CHANGE && ratio > 1 / MAX_SCALE_CHANGE;
  }

  /** After the detector ran: follow this face (or forget the stream when there is none to follow). */
  detected(
    stream: string,
    width: number,
    height: number,
    face: { box: Box; score: number; five: Point[] } | null,
  ): void {
    if (!face) {
      this.tracks.delete(stream);
      return;
    }
    this.tracks.delete(stream); // re-inserted last: the Map's order is the streams' recency
    this.tracks.set(stream, {
      width,
      height,
      shape: shapeOf(face.box, face.five),
      score: face.score,
      five: face.five,
      framesSinceDetect: 0,
      atMs: this.now(),
    });
    while (this.tracks.size > MAX_TRACKED_STREAMS) this.tracks.delete(this.tracks.keys().next().value as string);
  }

  /** After a frame was located from the hint: the face moved to these landmarks; returns its box. */
  tracked(stream: string, five: Point[]): Box | null {
    const t = this.tracks.get(stream);
    if (!t) return null;
    t.five = five;
    t.framesSinceDetect++;
    t.atMs = this.now();
    return boxFor(t.shape, five);
  }

  forget(stream: string): void {
    this.tracks.delete(stream);
  }
}
