import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, settle } from './helpers';
import SetPinDialog from '../../src/renderer/components/SetPinDialog.svelte';
import UnlockDialog from '../../src/renderer/components/UnlockDialog.svelte';
import type { Result } from '../../src/shared/errors';
import type { AdminStatus } from '../../src/shared/types';

const unlocked: AdminStatus = { hasPin: true, unlocked: true, retryAfterMs: 0, idleTimeoutMs: 300_000 };

async function typePin(digits: string, testid = 'pin'): Promise<void> {
  for (const d of digits) await fireEvent.click(screen.getByTestId(`${testid}-key-${d}`));
}

afterEach(() => vi.useRealTimers());

describe('UnlockDialog', () => {
  it('shows the message of a wrong PIN and clears the pad', async () => {
    const unlock = vi.fn((_pin: string): Promise<Result<AdminStatus>> => fail('PIN_WRONG', 'That PIN is not right.'));
    const onunlocked = vi.fn();
    render(UnlockDialog, { props: { unlock, onunlocked } });
    await typePin('1234');
    await fireEvent.click(screen.getByTestId('pin-ok'));
    await settle();
    expect(unlock).toHaveBeenCalledWith('1234');
    expect(screen.getByTestId('pin-error').textContent).toBe('That PIN is not right.');
    expect((screen.getByTestId('pin-input') as HTMLInputElement).value).toBe('');
    expect(onunlocked).not.toHaveBeenCalled();
  });

  it('refuses a PIN that is too short without asking main', async () => {
    const unlock = vi.fn(() => ok(unlocked));
    render(UnlockDialog, { props: { unlock, onunlocked: vi.fn() } });
    await typePin('12');
    await fireEvent.click(screen.getByTestId('pin-ok'));
    expect(unlock).not.toHaveBeenCalled();
    expect(screen.getByTestId('pin-error').textContent).toBe('A PIN is 4 to 12 digits.');
  });

  it('unlocks with the right PIN', async () => {
    const unlock = vi.fn(() => ok(unlocked));
    const onunlocked = vi.fn();
    render(UnlockDialog, { props: { unlock, onunlocked } });
    await typePin('9876');
    await fireEvent.click(screen.getByTestId('pin-ok'));
    await settle();
    expect(onunlocked).toHaveBeenCalledWith(unlocked);
  });

  it('counts down a lock-out and disables the pad until it ends', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const unlock = vi.fn(() => fail<AdminStatus>('PIN_LOCKED_OUT', 'Too many wrong PINs.', { retryAfterMs: 3000 }));
    render(UnlockDialog, { props: { unlock, onunlocked: vi.fn() } });
    await typePin('1111');
    await fireEvent.click(screen.getByTestId('pin-ok'));
    await vi.waitFor(() => expect(screen.getByTestId('pin-lockout')).toBeTruthy());
    expect(screen.getByTestId('pin-lockout').textContent).toContain('3 seconds');
    expect((screen.getByTestId('pin-key-1') as HTMLButtonElement).disabled).toBe(true);

    await vi.advanceTimersByTimeAsync(1000);
    expect(screen.getByTestId('pin-lockout').textContent).toContain('2 seconds');
    await vi.advanceTimersByTimeAsync(1000);
    expect(screen.getByTestId('pin-lockout').textContent).toContain('1 second.');
    await vi.advanceTimersByTimeAsync(1100);
    expect(screen.queryByTestId('pin-lockout')).toBeNull();
    // The lock-out sentence is gone with the lock-out.
    expect(screen.queryByTestId('pin-error')).toBeNull();
    expect((screen.getByTestId('pin-key-1') as HTMLButtonElement).disabled).toBe(false);
  });

  it('starts counting when it opens during a lock-out reported by admin.status', async () => {
    render(UnlockDialog, { props: { unlock: vi.fn(), onunlocked: vi.fn(), retryAfterMs: 10_000 } });
    expect(screen.getByTestId('pin-lockout').textContent).toContain('10 seconds');
  });
});

describe('SetPinDialog', () => {
  it('asks twice and refuses two different PINs', async () => {
    const setPin = vi.fn(() => ok({ ...unlocked }));
    const ondone = vi.fn();
    render(SetPinDialog, { props: { setPin, ondone } });
    await typePin('1234', 'pin-new');
    await fireEvent.click(screen.getByTestId('pin-new-ok'));
    await typePin('4321', 'pin-repeat');
    await fireEvent.click(screen.getByTestId('pin-repeat-ok'));
    expect(screen.getByTestId('pin-error').textContent).toMatch(/different/);
    expect(setPin).not.toHaveBeenCalled();

    await typePin('2468', 'pin-new');
    await fireEvent.click(screen.getByTestId('pin-new-ok'));
    await typePin('2468', 'pin-repeat');
    await fireEvent.click(screen.getByTestId('pin-repeat-ok'));
    await settle();
    expect(setPin).toHaveBeenCalledWith('2468');
    expect(ondone).toHaveBeenCalled();
  });
});
