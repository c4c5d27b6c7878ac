import type { Guidance } from '../../shared/types';

/** Locale key for each guidance code; the order of a result's list says which matters most. */
export const GUIDANCE_KEYS: Record<Guidance, string> = {
  no_face: 'guidance.no_face',
  too_small: 'guidance.too_small',
  too_dark: 'guidance.too_dark',
  too_bright: 'guidance.too_bright',
  low_contrast: 'guidance.low_contrast',
  blurred: 'guidance.hold_still',
  hold_still: 'guidance.hold_still',
  turned: 'guidance.look_straight',
  tilted: 'guidance.look_straight',
  at_edge: 'guidance.at_edge',
  multiple_faces: 'guidance.multiple_faces',
  not_live: 'guidance.not_live',
  nobody_enrolled: 'kiosk.nobodyEnrolled',
  challenge_failed: 'kiosk.challengeFailed',
  challenge_interrupted: 'kiosk.challengeInterrupted',
};

export function guidanceKey(guidance: readonly Guidance[] | null | undefined): string | null {
  const first = guidance?.[0];
  return first ? (GUIDANCE_KEYS[first] ?? null) : null;
}
