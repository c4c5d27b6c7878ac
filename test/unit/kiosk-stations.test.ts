// How the kiosk service shares one engine among several kiosk screens. The engine here is a stand-in
// whose analyses finish when the test says so: holding the real engine busy at chosen moments is not
// possible, and these rules are about timing only (the real engine and photos: kiosk-enrollment tests).
import { describe, expect, it } from 'vitest';
import { KioskService } from '../../src/main/domain/kiosk';
import { MAX_STATIONS } from '../../src/main/domain/kiosk-stations';
import type { AnalyzeOptions, FaceEngine } from '../../src/main/engine';
import type { AnalyzeResult, RgbaFrame } from '../../src/shared/face';
import { AppError } from '../../src/shared/errors';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';

/** An engine that sees no face, and answers each analysis only when `finish` is called. */
function heldEngine() {
  const held: { width: number; options: AnalyzeOptions; done: () => void; fail: (e: Error) => void }[] = [];
  const engine = {
    analyze: (input: { kind: 'rgba'; frame: RgbaFrame }, options: AnalyzeOptions) =>
      new Promise<AnalyzeResult>((resolve, reject) => {
        const { width, height } = input.frame;
        held.push({
          width,
          options,
          done: () => resolve({ width, height, encoderId: 'test-4d', faces: [], timings: { totalMs: 1 } }),
          fail: reject,
        });
      }),
  } as unknown as FaceEngine;
  const finish = (i = 0) => held.splice(i, 1)[0]!.done();
  const failOne = (e: Error, i = 0) => held.splice(i, 1)[0]!.fail(e);
  return { engine, held, finish, failOne };
}

const frame = (width: number): RgbaFrame => ({ width, height: 16, rgba: new Uint8Array(width * 16 * 4) });
const service = (engine: FaceEngine) =>
  // No face is ever seen, so identification and the store are never asked.
  new KioskService({ engine, identify: {} as never, store: {} as never, settings: () => DEFAULT_SETTINGS });

describe('kiosk stations', () => {
  it("a screen's newer frame replaces its waiting one; another screen's frames are not touched", async () => {
    const { engine, held, finish } = heldEngine();
    const kiosk = service(engine);
    const a1 = kiosk.frame(frame(16), 'a');
    const a2 = kiosk.frame(frame(17), 'a'); // waits behind a1
    const b1 = kiosk.frame(frame(32), 'b'); // its own run: analysed at once, beside a1
    const a3 = kiosk.frame(frame(18), 'a'); // replaces a2
    expect(held.map((h) => h.width)).toEqual([16, 32]);
    expect(await a2).toMatchObject({ width: 17, ms: 0, greeting: null }); // answered without analysis
    finish(1);
    expect(await b1).toMatchObject({ width: 32, state: 'idle' });
    finish(0);
    expect(await a1).toMatchObject({ width: 16, state: 'idle' });
    await Promise.resolve();
    expect(held.map((h) => h.width)).toEqual([18]); // a's newest frame runs next
    finish();
    expect(await a3).toMatchObject({ width: 18, state: 'idle' });
  });

  it(`refuses a new screen while ${MAX_STATIONS} others have a frame in the engine, and lets it in once one is idle`, async () => {
    const { engine, held, finish } = heldEngine();
    const kiosk = service(engine);
    const busy = Array.from({ length: MAX_STATIONS }, (_, i) => kiosk.frame(frame(16 + i), `door-${i}`));
    await expect(kiosk.frame(frame(100), 'one-too-many')).rejects.toMatchObject({
      code: 'KIOSK_BUSY',
      message: expect.stringMatching(/Close the ones no longer in use/),
    });
    expect(held).toHaveLength(MAX_STATIONS); // the refused frame queued nothing
    finish(0);
    await busy[0];
    const late = kiosk.frame(frame(100), 'one-too-many'); // takes the idle door-0's place
    expect(held.map((h) => h.width)).toContain(100);
    finish(held.findIndex((h) => h.width === 100));
    expect(await late).toMatchObject({ width: 100, state: 'idle' });
    while (held.length) finish();
    await Promise.all(busy);
  });

  it('tells the engine to forget the face it followed when a screen starts afresh: new, or reset', async () => {
    const { engine, held, finish } = heldEngine();
    const kiosk = service(engine);
    const next = async (width: number) => {
      const answer = kiosk.frame(frame(width), 'door');
      const { options } = held.at(-1)!;
      finish(held.length - 1);
      await answer;
      return { track: options.track, trackFresh: options.trackFresh };
    };
    expect(await next(16)).toEqual({ track: 'kiosk:door', trackFresh: true });
    expect(await next(17)).toEqual({ track: 'kiosk:door', trackFresh: false });
    kiosk.reset('door');
    expect(await next(18)).toEqual({ track: 'kiosk:door', trackFresh: true });

    // Reset while a frame is in the engine: the one after it starts afresh.
    const inEngine = kiosk.frame(frame(19), 'door');
    kiosk.reset('door');
    finish(held.length - 1);
    await inEngine;
    expect(await next(20)).toEqual({ track: 'kiosk:door', trackFresh: true });
  });

  it('answers a waiting frame whose analysis fails with that failure, and the screen goes on afterwards', async () => {
    const { engine, held, finish, failOne } = heldEngine();
    const kiosk = service(engine);
    const first = kiosk.frame(frame(16), 'door');
    const waiting = kiosk.frame(frame(17), 'door');
    finish();
    await first;
    await Promise.resolve();
    expect(held.map((h) => h.width)).toEqual([17]);
    failOne(new AppError('ENGINE_FAILED', 'The face engine stopped unexpectedly; it is being restarted: try again.'));
    // Told the truth, not an old answer: the kiosk shows the engine's problem.
    await expect(waiting).rejects.toMatchObject({ code: 'ENGINE_FAILED' });
    const next = kiosk.frame(frame(18), 'door');
    finish();
    expect(await next).toMatchObject({ width: 18, state: 'idle' });
  });

  it('asks again for a fresh start when the frame that carried it failed', async () => {
    const { engine, held, finish, failOne } = heldEngine();
    const kiosk = service(engine);
    const lost = kiosk.frame(frame(16), 'door');
    expect(held[0]!.options.trackFresh).toBe(true);
    failOne(new Error('worker died'));
    await expect(lost).rejects.toThrow('worker died');
    const next = kiosk.frame(frame(17), 'door');
    expect(held[0]!.options.trackFresh).toBe(true);
    finish();
    await next;
  });
});
