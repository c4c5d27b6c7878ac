// The backup settings card with a plain-object api: status, a new schedule, "Back up now", a failure.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, settle } from './helpers';
import BackupSettings from '../../src/renderer/components/BackupSettings.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { BackupStatus } from '../../src/shared/types';

const OFF: BackupStatus = { schedule: null, lastBackupAt: null, lastFile: null, lastError: null, nextAt: null };

function renderCard(initial: BackupStatus) {
  let current = initial;
  const api = {
    backup: {
      status: vi.fn(() => ok(current)),
      configure: vi.fn((input: { off?: true; folder?: string; everyDays?: number; keep?: number }) => {
        current = input.off
          ? { ...current, schedule: null, nextAt: null }
          : {
              ...current,
              schedule: { folder: input.folder!, everyDays: input.everyDays!, keep: input.keep! },
              nextAt: new Date().toISOString(),
            };
        return ok(current);
      }),
      now: vi.fn(() => ok({ file: '/media/backup/presence-backup-x.pbak', bytes: 3 * 1024 * 1024, at: '' })),
    },
  };
  render(BackupSettings, { props: { api: api as unknown as Pick<PresenceApi, 'backup'> } });
  return api.backup;
}

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement;

describe('BackupSettings', () => {
  it('sets up a schedule: asks for a long enough passphrase typed twice, then sends it once', async () => {
    const backup = renderCard(OFF);
    await settle();
    expect(screen.getByTestId('backup-off').textContent).toMatch(/off/);
    expect(screen.getByTestId('backup-never')).toBeTruthy();
    expect(screen.queryByTestId('backup-now')).toBeNull();

    await fireEvent.input(input('backup-folder'), { target: { value: '/media/backup/presence' } });
    await fireEvent.input(input('backup-every'), { target: { value: '2' } });
    await fireEvent.input(input('backup-keep'), { target: { value: '5' } });
    await fireEvent.input(input('backup-passphrase'), { target: { value: 'short' } });
    await fireEvent.submit(input('backup-folder').form!);
    await settle();
    expect(backup.configure).not.toHaveBeenCalled();
    expect(screen.getByText(/at least 10 characters/)).toBeTruthy();

    await fireEvent.input(input('backup-passphrase'), { target: { value: 'correct horse battery' } });
    await fireEvent.input(input('backup-passphrase-repeat'), { target: { value: 'correct horse batterY' } });
    await fireEvent.submit(input('backup-folder').form!);
    await settle();
    expect(backup.configure).not.toHaveBeenCalled();
    expect(screen.getByText(/The two passphrases differ/)).toBeTruthy();

    await fireEvent.input(input('backup-passphrase-repeat'), { target: { value: 'correct horse battery' } });
    await fireEvent.submit(input('backup-folder').form!);
    await settle();
    expect(backup.configure).toHaveBeenCalledWith({
      folder: '/media/backup/presence',
      everyDays: 2,
      keep: 5,
      passphrase: 'correct horse battery',
    });
    expect(screen.getByTestId('backup-saved')).toBeTruthy();
    expect(screen.getByTestId('backup-status').textContent).toMatch(
      /every 2 days into \/media\/backup\/presence, keeping the newest 5/,
    );
    expect(screen.getByTestId('backup-next').textContent).toMatch(/within a minute/);
    // The passphrase fields are emptied; a change of the schedule alone sends no passphrase.
    expect(input('backup-passphrase').value).toBe('');
    await fireEvent.input(input('backup-keep'), { target: { value: '9' } });
    await fireEvent.submit(input('backup-folder').form!);
    await settle();
    expect(backup.configure).toHaveBeenLastCalledWith({ folder: '/media/backup/presence', everyDays: 2, keep: 9 });

    await fireEvent.click(screen.getByTestId('backup-now'));
    await settle();
    expect(screen.getByTestId('backup-made').textContent).toMatch(/presence-backup-x\.pbak \(3 MB\)/);
    await fireEvent.click(screen.getByTestId('backup-turn-off'));
    await settle();
    expect(backup.configure).toHaveBeenLastCalledWith({ off: true });
    expect(screen.getByTestId('backup-off')).toBeTruthy();
  });

  it('shows the last backup and the last failure, and a refused backup says why', async () => {
    const backup = renderCard({
      schedule: { folder: '/media/backup', everyDays: 1, keep: 7 },
      lastBackupAt: '2026-03-01T09:00:00.000Z',
      lastFile: '/media/backup/presence-backup-2026-03-01T09-00-00.000Z.pbak',
      lastError:
        'The backup could not be written to /media/backup: the folder does not exist (is the backup disk connected?).',
      nextAt: '2999-01-01T00:00:00.000Z',
    });
    await settle();
    expect(input('backup-folder').value).toBe('/media/backup');
    expect(screen.getByTestId('backup-last').textContent).toMatch(/presence-backup-2026-03-01/);
    expect(screen.getByTestId('backup-last-error').textContent).toMatch(/is the backup disk connected/);
    backup.now.mockImplementationOnce(() =>
      fail('BACKUP_FAILED', 'The backup could not be written to /media/backup: the disk is full.'),
    );
    await fireEvent.click(screen.getByTestId('backup-now'));
    await settle();
    expect(screen.getByTestId('backup-error').textContent).toMatch(/the disk is full/);
  });
});
