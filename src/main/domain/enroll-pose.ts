// Which way a face looks, for the guided wizard's turned shots (and stored with each template).
import type { FaceQuality } from '../../shared/face';
import type { EnrollPose } from '../../shared/types';

const POSE_YAW_DEG = 8;
const POSE_PITCH_DEG = 7;
/**
 * Without a straight shot to compare with, pitch is judged this loosely: where a person looks "straight"
 * depends on where the camera sits (above a screen, they look down at it by 10° or more), and a stricter
 * band kept the wizard asking someone who looked straight at it to look straight (LFW faces at -5°).
 */
const POSE_PITCH_UNREFERENCED_DEG = 14;

/**
 * Landmark pitch reads about this many degrees "up" for a face looking straight ahead (median over LFW
 * photos); without a person's own straight shot to compare with, pitch is judged relative to it.
 */
export const NEUTRAL_PITCH_DEG = 8;

export type Angles = Pick<FaceQuality, 'yaw' | 'pitch'>;

/**
 * Which way the face looks. With `front` (this person's straight shot, taken first in the wizard) the
 * pose is judged relative to it, which cancels both the estimator's bias and the person's own posture.
 */
export function poseOf(q: Angles, front?: Angles): EnrollPose {
  const yaw = q.yaw - (front?.yaw ?? 0);
  const pitch = q.pitch - (front?.pitch ?? NEUTRAL_PITCH_DEG);
  if (Math.abs(yaw) >= Math.abs(pitch) * 1.2 && Math.abs(yaw) >= POSE_YAW_DEG) return yaw > 0 ? 'left' : 'right';
  if (Math.abs(pitch) >= (front ? POSE_PITCH_DEG : POSE_PITCH_UNREFERENCED_DEG)) return pitch > 0 ? 'up' : 'down';
  return 'front';
}
