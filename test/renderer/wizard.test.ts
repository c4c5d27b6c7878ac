// The enrollment wizard's steps, driven through their props. jsdom has no camera (no getUserMedia, no
// video frames), so StepCapture gets a FrameSource whose frames the test hands over one at a time, and a
// fake api that answers enroll.capture the way main would.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, person, privacyApi, settle } from './helpers';
import StepCapture from '../../src/renderer/components/enroll/StepCapture.svelte';
import StepConsent from '../../src/renderer/components/enroll/StepConsent.svelte';
import { EnrollCapture, type FrameSource } from '../../src/renderer/lib/enroll.svelte';
import type { GrabbedFrame } from '../../src/renderer/lib/camera';
import { contract, type PresenceApi } from '../../src/shared/contract';
import type { EnrollPose, EnrollShotResult } from '../../src/shared/types';

type Deliver = Parameters<FrameSource['start']>[0];

function frame(): GrabbedFrame {
  return { width: 16, height: 16, rgba: new Uint8Array(16 * 16 * 4) };
}

function shot(extra: Partial<EnrollShotResult>): EnrollShotResult {
  return {
    shotId: null,
    accepted: false,
    guidance: [],
    face: null,
    width: 640,
    height: 480,
    pose: null,
    duplicateOf: null,
    ...extra,
  };
}

function setup(answers: EnrollShotResult[], consentGiven = true) {
  const capture = vi.fn(() => ok(answers.shift() ?? shot({ guidance: ['no_face'] })));
  const discard = vi.fn((input: { shotIds: string[] }) => ok({ discarded: input.shotIds.length }));
  const api = { enroll: { capture, discard } } as unknown as Pick<PresenceApi, 'enroll'>;
  const controller = new EnrollCapture(api, crypto.randomUUID());
  let deliver: Deliver | null = null;
  const source: FrameSource = {
    start(d) {
      deliver = d;
      return () => (deliver = null);
    },
  };
  const oncancel = vi.fn();
  const onnext = vi.fn();
  render(StepCapture, { props: { capture: controller, consentGiven, source, oncancel, onnext } });
  const send = async () => {
    if (!deliver) throw new Error('The capture step did not start its frame source.');
    await deliver(frame(), () => 'data:image/jpeg;base64,AAAA');
    await settle();
  };
  return { capture, discard, controller, send, started: () => deliver !== null, oncancel, onnext };
}

function kept(pose: EnrollPose): string | undefined {
  return document.querySelector<HTMLElement>(`[data-testid="shot"][data-pose="${pose}"]`)?.dataset.kept;
}

describe('enrollment wizard: consent step', () => {
  const privacy = (version = 1) => ({ privacy: privacyApi(version) }) as unknown as Pick<PresenceApi, 'privacy'>;

  it('does not move on until consent is ticked and the collector is named', async () => {
    const onconsent = vi.fn();
    render(StepConsent, { props: { api: privacy(), person: person('Grace Hopper'), onconsent, onback: vi.fn() } });
    await settle();
    const next = screen.getByTestId('consent-next') as HTMLButtonElement;
    expect(next.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('consent-checkbox'));
    expect(next.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('consent-by'), { target: { value: 'Front desk' } });
    expect(next.disabled).toBe(false);
    await fireEvent.click(next);
    expect(onconsent).toHaveBeenCalledWith({ given: true, by: 'Front desk', textVersion: 1 }, 'camera');
  });

  it('shows the consent text in force, in the current language, and sends the version it showed', async () => {
    const { i18n } = await import('../../src/renderer/lib/i18n.svelte');
    const onconsent = vi.fn();
    const api = privacy(3);
    render(StepConsent, { props: { api, person: person('Grace Hopper'), onconsent, onback: vi.fn() } });
    await settle();
    expect(api.privacy.consentText).toHaveBeenCalled();
    expect(screen.getByTestId('consent-text').textContent).toBe(
      'Consent text version 3: your face is used for attendance only.',
    );
    expect(screen.getByTestId('consent-text-version').textContent).toMatch(/version 3, in force since/);
    try {
      i18n.setLocale('zh-CN');
      await settle();
      expect(screen.getByTestId('consent-text').textContent).toBe('同意书第 3 版：您的人脸仅用于考勤。');
      expect(screen.getByTestId('consent-text-version').textContent).toContain('同意书第 3 版');
    } finally {
      i18n.setLocale('en');
    }
    await fireEvent.click(screen.getByTestId('consent-checkbox'));
    await fireEvent.input(screen.getByTestId('consent-by'), { target: { value: 'Front desk' } });
    await fireEvent.click(screen.getByTestId('consent-import'));
    expect(onconsent).toHaveBeenCalledWith({ given: true, by: 'Front desk', textVersion: 3 }, 'import');
  });

  it('keeps both ways on disabled and says why when the consent text cannot be loaded', async () => {
    const consentText = vi
      .fn()
      .mockReturnValueOnce(fail('INTERNAL', 'The consent text could not be read.'))
      .mockReturnValueOnce(
        ok({ version: 2, texts: { en: 'Text two.', 'zh-CN': '第二版。' }, createdAt: '2026-10-01' }),
      );
    const api = { privacy: { consentText } } as unknown as Pick<PresenceApi, 'privacy'>;
    const onconsent = vi.fn();
    render(StepConsent, { props: { api, person: person('Grace Hopper'), onconsent, onback: vi.fn() } });
    await settle();
    expect(screen.getByTestId('consent-text-error').textContent).toBe('The consent text could not be read.');
    expect(screen.getByTestId('consent-text-missing').textContent).toMatch(/no face can be enrolled without it/);
    await fireEvent.click(screen.getByTestId('consent-checkbox'));
    await fireEvent.input(screen.getByTestId('consent-by'), { target: { value: 'Front desk' } });
    expect((screen.getByTestId('consent-next') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('consent-import') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('consent-text-retry'));
    await settle();
    expect(screen.getByTestId('consent-text').textContent).toBe('Text two.');
    await fireEvent.click(screen.getByTestId('consent-next'));
    expect(onconsent).toHaveBeenCalledWith({ given: true, by: 'Front desk', textVersion: 2 }, 'camera');
  });
});

describe('enrollment wizard: capture step', () => {
  it('without consent it shows the gate, opens no frame source and captures nothing', async () => {
    const getUserMedia = vi.fn();
    Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia }, configurable: true });
    const { capture, started } = setup([], false);
    await settle();
    expect(screen.getByTestId('capture-consent-required')).toBeTruthy();
    expect(started()).toBe(false);
    expect(capture).not.toHaveBeenCalled();
    expect(getUserMedia).not.toHaveBeenCalled();
  });

  it('keeps a shot only when main accepted it and it shows the pose asked for', async () => {
    const { capture, discard, send } = setup([
      shot({ accepted: false, guidance: ['too_dark'], pose: 'front' }),
      shot({ accepted: true, shotId: 'aaaaaaaa-0000-4000-8000-000000000001', pose: 'left' }),
      shot({ accepted: true, shotId: 'aaaaaaaa-0000-4000-8000-000000000002', pose: 'front' }),
    ]);
    expect(screen.getByTestId('capture-instruction').dataset.pose).toBe('front');

    await send(); // rejected: too dark
    expect(kept('front')).toBe('false');
    expect(screen.getByTestId('capture-guidance').textContent).toBe('More light please');

    await send(); // accepted, but the wrong pose: dropped in main too
    expect(kept('front')).toBe('false');
    expect(kept('left')).toBe('false');
    expect(discard).toHaveBeenCalledWith({ shotIds: ['aaaaaaaa-0000-4000-8000-000000000001'] });

    await send(); // accepted, right pose: kept, and the wizard asks for the next pose
    expect(kept('front')).toBe('true');
    expect(screen.getByTestId('capture-instruction').dataset.pose).toBe('left');
    expect(capture).toHaveBeenCalledTimes(3);
    expect((screen.getByTestId('capture-next') as HTMLButtonElement).disabled).toBe(false);

    // every frame of this capture names the same session, in a form the contract accepts
    const inputs = capture.mock.calls.map((c) => (c as unknown as [{ session?: string; frame: unknown }])[0]);
    const sessions = new Set(inputs.map((i) => i.session));
    expect(sessions.size).toBe(1);
    expect(contract['enroll.capture'].input.safeParse(inputs[0]).success).toBe(true);
  });

  it('lets a kept shot be retaken', async () => {
    const { discard, send } = setup([
      shot({ accepted: true, shotId: 'aaaaaaaa-0000-4000-8000-000000000003', pose: 'front' }),
    ]);
    await send();
    expect(kept('front')).toBe('true');
    await fireEvent.click(screen.getByTestId('shot-retake'));
    expect(kept('front')).toBe('false');
    expect(screen.getByTestId('capture-instruction').dataset.pose).toBe('front');
    expect(discard).toHaveBeenCalledWith({ shotIds: ['aaaaaaaa-0000-4000-8000-000000000003'] });
  });

  it('gives a tip after a few seconds on one pose and offers to skip it after about 20 s', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    try {
      const { send } = setup([shot({ accepted: true, shotId: 'aaaaaaaa-0000-4000-8000-000000000004', pose: 'front' })]);
      await send();
      expect(screen.getByTestId('capture-instruction').dataset.pose).toBe('left');
      expect(screen.queryByTestId('capture-tip')).toBeNull();
      vi.advanceTimersByTime(7_000);
      await settle();
      expect(screen.getByTestId('capture-tip').textContent).toMatch(/both eyes should stay visible/);
      expect(screen.queryByTestId('capture-skip')).toBeNull();
      vi.advanceTimersByTime(14_000);
      await settle();
      await fireEvent.click(screen.getByTestId('capture-skip'));
      expect(screen.getByTestId('capture-instruction').dataset.pose).toBe('right');
      const left = document.querySelector<HTMLElement>('[data-testid="shot"][data-pose="left"]')!;
      expect(left.dataset.skipped).toBe('true');
      // The clock starts again for the next pose.
      expect(screen.queryByTestId('capture-tip')).toBeNull();
      await fireEvent.click(screen.getByTestId('shot-unskip'));
      expect(screen.getByTestId('capture-instruction').dataset.pose).toBe('left');
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops a shot whose answer arrives after the capture was cancelled, and sends no more frames', async () => {
    let answer: (r: unknown) => void = () => {};
    const capture = vi.fn(() => new Promise((resolve) => (answer = resolve)));
    const discard = vi.fn((input: { shotIds: string[] }) => ok({ discarded: input.shotIds.length }));
    const controller = new EnrollCapture(
      { enroll: { capture, discard } } as unknown as Pick<PresenceApi, 'enroll'>,
      null,
    );
    const inFlight = controller.submit(frame(), () => null);
    await controller.discardAll(); // the administrator cancels while main is judging the frame
    answer({
      ok: true,
      value: shot({ accepted: true, shotId: 'aaaaaaaa-0000-4000-8000-000000000009', pose: 'front' }),
    });
    expect(await inFlight).toBe(false);
    expect(controller.kept).toEqual([]);
    expect(discard).toHaveBeenCalledWith({ shotIds: ['aaaaaaaa-0000-4000-8000-000000000009'] });
    expect(await controller.submit(frame(), () => null)).toBe(false);
    expect(capture).toHaveBeenCalledTimes(1);
  });

  it("warns with the matching person's name on a duplicate and pauses until the admin decides", async () => {
    const { capture, send, oncancel } = setup([
      shot({
        accepted: true,
        shotId: 'aaaaaaaa-0000-4000-8000-000000000004',
        pose: 'front',
        duplicateOf: { personId: crypto.randomUUID(), name: 'Alan Turing', distance: 0.41 },
      }),
      shot({ accepted: true, shotId: 'aaaaaaaa-0000-4000-8000-000000000005', pose: 'left' }),
    ]);
    await send();
    expect(screen.getByTestId('duplicate-warning').textContent).toContain('Alan Turing');
    expect(screen.getByTestId('duplicate-name').textContent).toBe('Alan Turing');

    await send(); // paused: nothing is sent while the warning is up
    expect(capture).toHaveBeenCalledTimes(1);

    await fireEvent.click(screen.getByTestId('duplicate-continue'));
    expect(screen.queryByTestId('duplicate-warning')).toBeNull();
    await send();
    expect(capture).toHaveBeenCalledTimes(2);
    expect(kept('left')).toBe('true');

    await fireEvent.click(screen.getByTestId('capture-cancel'));
    expect(oncancel).toHaveBeenCalled();
  });
});
