import { describe, expect, it } from 'vitest';
import { RecognitionSmoother, type Observation, type SmoothedState } from '../../src/main/domain/recognition-smoother';

const face = (personId: string | null, distance = 0.4, liveness: number | null = 0.9): Observation => ({
  kind: 'face',
  personId,
  distance,
  liveness,
});
const none: Observation = { kind: 'none' };

/** Pushes observations 100 ms apart starting at t0; returns the states. */
function feed(s: RecognitionSmoother, observations: Observation[], t0 = 0, stepMs = 100): SmoothedState[] {
  return observations.map((o, i) => s.push(o, t0 + i * stepMs).state);
}

const smoother = (): RecognitionSmoother => new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 1500 });

describe('RecognitionSmoother', () => {
  it('confirms a person when 3 of the last 5 frames name them, with mean distance and lowest liveness', () => {
    const s = smoother();
    expect(feed(s, [face('ann', 0.3, 0.9), face(null), face('bob')])).toEqual(['pending', 'pending', 'pending']);
    expect(s.push(face('ann', 0.5, 0.7), 300).state).toBe('pending'); // ann 2, unknown 1, bob 1
    const r = s.push(face('ann', 0.4, 0.8), 400);
    expect(r).toEqual({ state: 'confirmed', personId: 'ann', meanDistance: expect.closeTo(0.4, 12), minLiveness: 0.7 });
  });

  it('needs the votes within the last 5 frames, not 3 in total', () => {
    const s = smoother();
    expect(
      feed(s, [face('ann'), face('ann'), face(null), face(null), face('bob'), face('bob'), face('ann')]),
    ).not.toContain('confirmed');
  });

  it('says unknown when 3 of the last 5 frames are faces that matched nobody', () => {
    const s = smoother();
    expect(feed(s, [face(null), face('ann'), face(null), face(null)])).toEqual([
      'pending',
      'pending',
      'pending',
      'unknown',
    ]);
    expect(s.push(face(null), 400).state).toBe('unknown'); // said on every frame: nothing is recorded for strangers
  });

  it('is idle without a face, and a frame without a face clears the votes', () => {
    const s = smoother();
    expect(feed(s, [face('ann'), face('ann'), none, face('ann'), face('ann')])).toEqual([
      'pending',
      'pending',
      'idle',
      'pending',
      'pending',
    ]);
    expect(s.push(face('ann'), 500).state).toBe('confirmed');
  });

  it('starts over after a pause longer than maxGapMs (the person walked away)', () => {
    const s = smoother();
    feed(s, [face('ann'), face('ann')]); // t = 0, 100
    expect(s.push(face('ann'), 100 + 1501).state).toBe('pending'); // would be the third vote, but the gap reset
    expect(s.push(face('ann'), 1700).state).toBe('pending');
    expect(s.push(face('ann'), 1800).state).toBe('confirmed');

    const t = smoother();
    feed(t, [face('ann'), face('ann')]);
    expect(t.push(face('ann'), 100 + 1500).state).toBe('confirmed'); // exactly maxGapMs is no gap
  });

  it('confirms once per visit: no repeated greeting while the face stays, again after it left', () => {
    const s = smoother();
    const states = feed(
      s,
      Array.from({ length: 12 }, () => face('ann')),
    );
    expect(states.filter((x) => x === 'confirmed')).toHaveLength(1);
    expect(states.slice(3)).toEqual(Array(9).fill('greeted'));
    expect(s.push(none, 1200).state).toBe('idle');
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 1300)).toEqual(['pending', 'pending', 'confirmed']);
    // a gap also counts as leaving
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 5000)).toEqual(['pending', 'pending', 'confirmed']);
  });

  it('with visitGapMs, a pause such as a greeting on screen drops the votes but does not end the visit', () => {
    const s = new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 1500, visitGapMs: 60_000 });
    expect(feed(s, [face('ann'), face('ann'), face('ann')]).at(-1)).toBe('confirmed');
    // 5 s later (the greeting), she is still there: not confirmed again, however long she stays.
    expect(
      feed(
        s,
        Array.from({ length: 8 }, () => face('ann')),
        5_200,
      ),
    ).toEqual(['pending', 'pending', ...Array(6).fill('greeted')]); // two frames to gather votes again
    // Votes from before a pause are stale: two for bob, a pause, one more is not three.
    feed(s, [face('bob'), face('bob')], 6_000);
    expect(s.push(face('bob'), 8_000).state).toBe('pending');
    expect(feed(s, [face('bob'), face('bob')], 8_100)).toEqual(['pending', 'confirmed']);
    // A frame without a face ends the visit at once, and so does a pause longer than visitGapMs.
    s.push(none, 8_300);
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 8_400).at(-1)).toBe('confirmed');
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 8_400 + 61_000).at(-1)).toBe('confirmed');
    expect(() => new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 1500, visitGapMs: 1000 })).toThrow(
      /visitGapMs/,
    );
  });

  it('dropVotes() forgets the votes but not who was greeted in this visit', () => {
    const s = new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 1500, visitGapMs: 60_000 });
    expect(feed(s, [face('ann'), face('ann'), face('ann')]).at(-1)).toBe('confirmed');
    s.dropVotes(); // someone stepped beside her for a frame
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 400)).toEqual(['pending', 'pending', 'greeted']);
  });

  it('confirms again after retract(), from new votes only', () => {
    const s = smoother();
    expect(feed(s, [face('ann'), face('ann'), face('ann')]).at(-1)).toBe('confirmed');
    s.retract('ann'); // e.g. the liveness gate refused the confirmation
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 300)).toEqual(['pending', 'pending', 'confirmed']);
  });

  it('confirms a different person at once', () => {
    const s = smoother();
    feed(s, [face('ann'), face('ann'), face('ann')]);
    const states = feed(s, [face('bob'), face('bob'), face('bob'), face('bob')], 300);
    expect(states).toEqual(['pending', 'pending', 'confirmed', 'greeted']); // bob leads 3 to 2 at the third frame
  });

  it('reports null liveness when no frame had a score, and refuses bad options', () => {
    const s = smoother();
    feed(s, [face('ann', 0.4, null), face('ann', 0.4, null)]);
    expect(s.push(face('ann', 0.4, null), 200)).toMatchObject({ state: 'confirmed', minLiveness: null });
    expect(() => new RecognitionSmoother({ window: 3, required: 4, maxGapMs: 100 })).toThrow();
    expect(() => new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 0 })).toThrow();
  });

  describe('fast path: consecutive strong matches', () => {
    const fast = (): RecognitionSmoother =>
      new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 1500, strongRequired: 2 });
    const strong = (personId: string, distance = 0.2): Observation => ({
      kind: 'face',
      personId,
      distance,
      liveness: 0.9,
      strong: true,
    });

    it('confirms after two strong frames of one person in a row', () => {
      const s = fast();
      expect(s.push(strong('ann', 0.2), 0).state).toBe('pending');
      expect(s.push(strong('ann', 0.3), 100)).toEqual({
        state: 'confirmed',
        personId: 'ann',
        meanDistance: expect.closeTo(0.25, 12),
        minLiveness: 0.9,
      });
      expect(s.push(strong('ann'), 200).state).toBe('greeted'); // once per visit
    });

    it('needs both frames strong, consecutive, and of the same person', () => {
      expect(feed(fast(), [strong('ann'), face('ann')])).toEqual(['pending', 'pending']);
      expect(feed(fast(), [strong('ann'), face(null), strong('ann')])).toEqual(['pending', 'pending', 'pending']);
      expect(feed(fast(), [strong('ann'), strong('bob')])).toEqual(['pending', 'pending']);
      // the ordinary vote still applies: the third ann frame confirms
      expect(feed(fast(), [strong('ann'), face('ann'), face('ann')])).toEqual(['pending', 'pending', 'confirmed']);
    });

    it('does not greet the person in front twice when a look-alike blips in between', () => {
      const s = fast();
      expect(feed(s, [strong('ann'), strong('ann'), strong('bob'), strong('bob')])).toEqual([
        'pending',
        'confirmed',
        'pending',
        'confirmed', // a look-alike run of two strong frames: greeted, as any confirmed person is
      ]);
      // ann again, with three of the last five frames: she was already greeted in this visit
      expect(feed(s, [strong('ann'), strong('ann'), face('ann')], 400)).toEqual(['greeted', 'greeted', 'greeted']);
      expect(s.push(none, 800).state).toBe('idle'); // she leaves; the next visit greets her again
      expect(feed(s, [strong('ann'), strong('ann')], 900)).toEqual(['pending', 'confirmed']);
    });

    it('is off without strongRequired, and refuses a run longer than the vote', () => {
      expect(feed(smoother(), [strong('ann'), strong('ann')])).toEqual(['pending', 'pending']);
      expect(() => new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 100, strongRequired: 4 })).toThrow();
      expect(() => new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 100, strongRequired: 0 })).toThrow();
    });
  });

  it('forgets everything on reset()', () => {
    const s = smoother();
    feed(s, [face('ann'), face('ann'), face('ann')]);
    s.reset();
    expect(feed(s, [face('ann'), face('ann'), face('ann')], 400)).toEqual(['pending', 'pending', 'confirmed']);
  });
});
