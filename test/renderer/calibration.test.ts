import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import type { ComponentProps } from 'svelte';
import { ok } from './helpers';
import CalibrationPanel from '../../src/renderer/components/CalibrationPanel.svelte';
import CalibrationPlot from '../../src/renderer/components/CalibrationPlot.svelte';
import type { CalibrationPoint } from '../../src/shared/types';

// A plausible curve: FAR rises and FRR falls as the distance threshold grows.
const curve: CalibrationPoint[] = [0.4, 0.6, 0.8, 1.0, 1.2].map((threshold, i) => ({
  threshold,
  far: [0, 0.001, 0.01, 0.2, 0.6][i],
  frr: [0.9, 0.4, 0.1, 0.02, 0][i],
}));

/** The [x, y] points of an SVG path made of M/L commands. */
function points(d: string): Array<[number, number]> {
  return [...d.matchAll(/[ML]([\d.-]+),([\d.-]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('CalibrationPlot', () => {
  it('draws one FAR and one FRR line with a point per threshold, FAR rising and FRR falling', () => {
    render(CalibrationPlot, { props: { curve, alpha: 0.8 } });
    const far = points(screen.getByTestId('far-path').getAttribute('d') ?? '');
    const frr = points(screen.getByTestId('frr-path').getAttribute('d') ?? '');
    expect(far).toHaveLength(5);
    expect(frr).toHaveLength(5);
    // SVG y grows downwards: a rising rate has a falling y.
    expect(far[0][1]).toBeGreaterThan(far[4][1]);
    expect(frr[0][1]).toBeLessThan(frr[4][1]);
    // Both lines share the threshold axis.
    expect(far.map((p) => p[0])).toEqual(frr.map((p) => p[0]));
  });

  it('marks alpha at its place on the threshold axis', () => {
    render(CalibrationPlot, { props: { curve, alpha: 0.8 } });
    const marker = screen.getByTestId('alpha-marker');
    const far = points(screen.getByTestId('far-path').getAttribute('d') ?? '');
    // 0.8 is the third threshold: the marker stands exactly on that point's x.
    expect(Number(marker.getAttribute('x1'))).toBeCloseTo(far[2][0], 1);
    expect(marker.dataset.alpha).toBe('0.8');
    expect(screen.getByText('α = 0.800')).toBeTruthy();
  });

  it('breaks a line where a rate could not be measured instead of drawing it as zero', () => {
    const gappy = curve.map((p, i) => ({ ...p, frr: i === 2 ? null : p.frr }));
    render(CalibrationPlot, { props: { curve: gappy, alpha: 0.6 } });
    const d = screen.getByTestId('frr-path').getAttribute('d') ?? '';
    expect(points(d)).toHaveLength(4);
    expect(d.match(/M/g)).toHaveLength(2);
  });

  it('draws no FRR line when no rate was measured, and no marker outside the curve', () => {
    render(CalibrationPlot, { props: { curve: curve.map((p) => ({ ...p, frr: null })), alpha: 5 } });
    expect(screen.queryByTestId('frr-path')).toBeNull();
    expect(screen.getByTestId('far-path')).toBeTruthy();
    expect(screen.queryByTestId('alpha-marker')).toBeNull();
  });
});

describe('CalibrationPanel', () => {
  it('asks main for alpha at the target rate, says what it means in words, and saves the target', async () => {
    // Main's answer moves with the target, as the distance table makes it (threshold.ts).
    const calibrate = vi.fn((input?: { targetFar?: number }) => {
      const targetFar = input?.targetFar ?? 0.001;
      return ok({
        curve,
        alpha: targetFar === 0.001 ? 0.8 : 0.85,
        targetFar,
        source: 'table' as const,
        people: 5,
        perComparisonFar: targetFar / 5,
        tableAlpha: 0.8,
        floorAlpha: 0.7,
        expectedFar: targetFar,
        expectedFrr: 0.031,
        extrapolated: false,
        duplicates: [{ personId: 'a', otherId: 'b', distance: 0.2 }],
        closestLookAlike: null,
        table: { measuredOn: 'LFW', impostorPairs: 13_000_000, genuinePairs: 3000 },
        note: 'From the table.',
      });
    });
    const set = vi.fn((patch: Record<string, unknown>) => ok({ ...patch }));
    const onapplied = vi.fn();
    const api = { engine: { calibrate }, settings: { set } } as unknown as ComponentProps<
      typeof CalibrationPanel
    >['api'];
    render(CalibrationPanel, { props: { api, settings: { threshold: null, targetFar: 0.001 }, onapplied } });
    await vi.waitFor(() => expect(screen.getByTestId('calibration-alpha').textContent).toBe('0.800'));
    expect(calibrate).toHaveBeenCalledWith({ targetFar: 0.001 });
    const meaning = screen.getByTestId('calibration-meaning').textContent ?? '';
    expect(meaning).toContain('about 1 in 1,000 of the camera frames');
    expect(meaning).toContain('5 people');
    expect(meaning).toContain('3.1%');
    expect(screen.getByTestId('calibration-source').textContent).toContain('measured distances');
    expect(screen.getByTestId('calibration-duplicates').textContent).toContain('1 pair');
    expect(screen.getByTestId('alpha-marker')).toBeTruthy();

    // One step of the logarithmic slider: 10^-3 -> 10^-2.75; alpha moves with it.
    await fireEvent.input(screen.getByTestId('target-far-slider'), { target: { value: '-2.75' } });
    // Until main answers for the new target, the alpha on screen is the old target's: it cannot be applied.
    expect((screen.getByTestId('calibration-apply') as HTMLButtonElement).disabled).toBe(true);
    await vi.waitFor(() => expect(calibrate).toHaveBeenLastCalledWith({ targetFar: 0.00178 }));
    await vi.waitFor(() => expect(screen.getByTestId('calibration-alpha').textContent).toBe('0.850'));
    await vi.waitFor(() => expect((screen.getByTestId('calibration-apply') as HTMLButtonElement).disabled).toBe(false));
    expect(screen.getByTestId('calibration-meaning').textContent).toContain('about 1 in 560');

    await fireEvent.click(screen.getByTestId('calibration-apply'));
    await vi.waitFor(() => expect(onapplied).toHaveBeenCalled());
    // The target is saved, not a fixed alpha: alpha keeps following the people enrolled.
    expect(set).toHaveBeenCalledWith({ threshold: null, targetFar: 0.00178 });
  });
});
