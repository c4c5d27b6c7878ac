// Settings > Sync (SyncCard): the same facts as `presence sync --status`, a join form, "Sync now" and the
// interval. The api is a stand-in (the renderer test has no main process): the real channels and a real
// PostgreSQL hub are in test/integration/sync.test.ts and sync-channels.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, settle, testSettings } from './helpers';
import SyncCard from '../../src/renderer/components/settings/SyncCard.svelte';
import { i18n } from '../../src/renderer/lib/i18n.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { SyncStatus } from '../../src/shared/types';

afterEach(() => i18n.setLocale('en'));

const notJoined: SyncStatus = {
  joined: false,
  hub: null,
  stationId: null,
  stationName: null,
  joinedAt: null,
  lastSyncAt: null,
  pending: 12,
  waiting: 0,
  waitingProblem: null,
  lastError: null,
};
const joined: SyncStatus = {
  joined: true,
  hub: 'postgres://db.example.org:5432/presence',
  stationId: '7f3a0000-0000-4000-8000-000000000001',
  stationName: 'Front door',
  joinedAt: '2026-12-06T08:00:00.000Z',
  lastSyncAt: '2026-12-06T09:00:00.000Z',
  pending: 3,
  waiting: 2,
  waitingProblem: 'SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: people.external_id',
  lastError: {
    code: 'HUB_UNREACHABLE',
    message: 'The hub postgres://db.example.org:5432/presence cannot be reached (connect ECONNREFUSED).',
    at: '2026-12-06T09:05:00.000Z',
  },
};

function setup(status: SyncStatus, join = ok(joined)) {
  const api = {
    sync: {
      status: vi.fn(() => ok(status)),
      join: vi.fn(() => join),
      now: vi.fn(() =>
        ok({ pushed: 3, pulled: 7, applied: 7, deferred: 0, erased: 0, galleryChanged: true, pending: 0, at: '' }),
      ),
    },
    settings: { set: vi.fn((patch: object) => ok({ ...testSettings(), ...patch })) },
  } as unknown as Pick<PresenceApi, 'sync' | 'settings'>;
  const onchanged = vi.fn();
  render(SyncCard, { props: { api, settings: testSettings(), onchanged } });
  return { api, onchanged };
}

describe('Settings > Sync', () => {
  it('joins a hub with a code, then shows the station, the hub and what is pending', async () => {
    const { api } = setup(notJoined);
    await settle();
    expect(screen.getByTestId('sync-not-joined').textContent).toMatch(/has not joined a hub/);
    const join = screen.getByTestId('sync-join') as HTMLButtonElement;
    expect(join.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('sync-url'), {
      target: { value: ' postgres://db.example.org/presence ' },
    });
    await fireEvent.input(screen.getByTestId('sync-code'), { target: { value: 'PJ1-abc' } });
    await fireEvent.submit(join.closest('form')!);
    await settle();
    expect(api.sync.join).toHaveBeenCalledWith({ url: 'postgres://db.example.org/presence', code: 'PJ1-abc' });
    expect(screen.getByTestId('sync-station').textContent).toBe('Front door');
    expect(screen.getByTestId('sync-hub').textContent).toBe('postgres://db.example.org:5432/presence');
    expect(screen.getByTestId('sync-pending').textContent).toBe('3');
    expect(screen.getByTestId('sync-waiting').textContent).toMatch(/^2: they conflict with a record here/);
    expect(screen.getByTestId('sync-last-error').textContent).toMatch(/cannot be reached/);
  });

  it('says why a join was refused, in the words of the error', async () => {
    setup(notJoined, fail('HUB_INVALID', 'The hub refused this join code: it is wrong, used already or revoked.'));
    await settle();
    await fireEvent.input(screen.getByTestId('sync-url'), { target: { value: 'postgres://db/presence' } });
    await fireEvent.input(screen.getByTestId('sync-code'), { target: { value: 'PJ1-used' } });
    await fireEvent.submit(screen.getByTestId('sync-join').closest('form')!);
    await settle();
    expect(screen.getByTestId('sync-problem').textContent).toMatch(/join code cannot be used|refused this join code/);
    expect(screen.getByTestId('sync-not-joined')).toBeTruthy();
  });

  it('syncs now, and saves the interval, in English and Chinese', async () => {
    const { api, onchanged } = setup(joined);
    await settle();
    await fireEvent.click(screen.getByTestId('sync-now'));
    await settle();
    expect(api.sync.now).toHaveBeenCalled();
    expect(screen.getByTestId('sync-result').textContent).toBe('Synced: 3 changes sent, 7 received; 0 pending.');
    await fireEvent.input(screen.getByTestId('sync-interval'), { target: { value: '10' } });
    await fireEvent.submit(screen.getByTestId('sync-interval-save').closest('form')!);
    await settle();
    expect(api.settings.set).toHaveBeenCalledWith({ syncIntervalSeconds: 10 });
    expect(onchanged).toHaveBeenCalledWith(expect.objectContaining({ syncIntervalSeconds: 10 }));
    i18n.setLocale('zh-CN');
    await settle();
    expect(screen.getByTestId('sync-result').textContent).toBe('已同步：发送 3 项更改，接收 7 项；待发送 0 项。');
    expect(screen.getByTestId('sync-last-error').textContent).toMatch(/无法连接到单位的中心服务器/);
  });
});
