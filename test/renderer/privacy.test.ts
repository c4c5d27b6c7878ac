// Settings > Privacy (issue 14, item 7) with a plain-object api: the sentences follow the settings in
// force, the consent text gets a new version through its channel, a retention run asks first, and a
// broken audit chain is said loudly.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { ok, person, settle, testSettings } from './helpers';
import Privacy from '../../src/renderer/screens/Privacy.svelte';
import SettingsScreen from '../../src/renderer/screens/Settings.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { Settings } from '../../src/shared/settings';
import type { AuditLogStatus, ConsentText, PrivacyOverview, RetentionSummary } from '../../src/shared/types';
import { i18n } from '../../src/renderer/lib/i18n.svelte';

const HEAD = 'ab'.repeat(32);

function overview(over: Partial<PrivacyOverview> = {}): PrivacyOverview {
  return {
    stored: {
      people: 12,
      withFaceData: 10,
      templates: 48,
      thumbnails: 10,
      attendanceEvents: 3400,
      tombstones: 2,
      auditEntries: 950,
    },
    databasePath: '/home/station/.config/Presence/presence.db',
    keyLocation: 'key file /home/station/.config/Presence/presence.db.key',
    consentText: {
      version: 1,
      texts: {
        en: 'I agree that my face is used to recognise me when I check in.',
        'zh-CN': '我同意在签到时使用我的人脸来识别我的身份，并可随时撤回同意。',
      },
      createdAt: '2026-10-01T08:00:00.000Z',
    },
    retention: {
      faceData: { people: 0, templates: 0, thumbnails: 0 },
      attendance: { anonymised: 0, deleted: 0 },
      faceDataBefore: null,
      attendanceBefore: null,
      lastRunAt: null,
    },
    auditLog: { ok: true, entries: 950, head: HEAD, brokenAt: null },
    ...over,
  };
}

function fakeApi(view: PrivacyOverview = overview(), settings: Settings = testSettings()) {
  const setConsentText = vi.fn((texts: ConsentText['texts']) =>
    ok<ConsentText>({ version: view.consentText.version + 1, texts, createdAt: '2026-12-01T10:00:00.000Z' }),
  );
  const summary: RetentionSummary = { faceData: view.retention.faceData, attendance: view.retention.attendance };
  const api = {
    privacy: {
      overview: vi.fn(() => ok(view)),
      setConsentText,
      runRetention: vi.fn(() => ok(summary)),
      verifyAudit: vi.fn(() => ok<AuditLogStatus>(view.auditLog)),
      consentText: vi.fn(() => ok(view.consentText)),
    },
    settings: {
      get: vi.fn(() => ok(settings)),
      set: vi.fn((patch: Partial<Settings>) => ok({ ...settings, ...patch })),
    },
    people: {
      list: vi.fn(() => ok([person('Ada Lovelace', { externalId: 'E-1815' })])),
      export: vi.fn(() => ok({ filename: 'ada.zip', mime: 'application/zip', bytes: new Uint8Array([1]) })),
      erase: vi.fn(),
    },
    // BackupSettings, mounted on the page, has tests of its own: here it waits for ever.
    backup: { status: vi.fn(() => new Promise(() => {})) },
  };
  return api;
}

async function renderPrivacy(settingsOver: Partial<Settings> = {}, view: PrivacyOverview = overview()) {
  const settings = { ...testSettings(), ...settingsOver };
  const api = fakeApi(view, settings);
  const onsaved = vi.fn();
  const r = render(Privacy, {
    props: {
      api: api as unknown as Pick<PresenceApi, 'privacy' | 'settings' | 'people' | 'backup'>,
      settings,
      onsaved,
    },
  });
  await settle();
  return { api, onsaved, settings, ...r };
}

afterEach(() => i18n.setLocale('en'));

describe('Privacy page: what is stored and for how long', () => {
  it('says face data and attendance are kept when the retention rules are off', async () => {
    await renderPrivacy();
    const howLong = screen.getByTestId('privacy-how-long').textContent ?? '';
    expect(howLong).toContain('Face data is kept until the person is erased or withdraws consent.');
    expect(howLong).toContain('Attendance is kept with no time limit.');
    expect(howLong).toContain('their attendance stays under that label for payroll');
    expect(screen.getByTestId('privacy-count-templates').textContent).toContain('48');
    expect(screen.getByTestId('privacy-count-attendanceEvents').textContent).toContain('3,400');
    expect(screen.getByTestId('privacy-database-path').textContent).toBe('/home/station/.config/Presence/presence.db');
    // The key file, as main describes it: the sentence says a file of mode 0600, not the OS key store.
    expect(screen.getByTestId('privacy-protection').textContent).toMatch(/separate file .* \(mode 0600\)/);
    expect(screen.getByTestId('privacy-preview-off')).toBeTruthy();
    expect(screen.getByTestId('privacy-last-run').textContent).toContain('Not run yet.');
  });

  it('says what the rules erase, and when, once they are on; the DPIA text says the same', async () => {
    await renderPrivacy(
      { faceDataRetentionDays: 180, attendanceRetentionMonths: 1, oldAttendance: 'delete', erasedAttendance: 'delete' },
      overview({
        keyLocation: 'OS key store (Electron safeStorage), sealed key at /x/template-key.sealed',
        retention: {
          faceData: { people: 2, templates: 7, thumbnails: 1 },
          attendance: { anonymised: 0, deleted: 40 },
          faceDataBefore: '2026-06-04T00:00:00.000Z',
          attendanceBefore: '2026-11-01T00:00:00.000Z',
          lastRunAt: '2026-12-01T03:00:00.000Z',
        },
      }),
    );
    const howLong = screen.getByTestId('privacy-how-long').textContent ?? '';
    expect(howLong).toContain('Face data of people not seen for 180 days is erased');
    expect(howLong).toContain('Attendance older than 1 month is deleted.');
    expect(howLong).toContain('face data, notes, ID and attendance go at once');
    expect(howLong).not.toContain('kept until the person is erased');
    expect(screen.getByTestId('privacy-protection').textContent).toContain("operating system's key store");
    expect(screen.getByTestId('privacy-preview-face').textContent).toMatch(
      /not seen since .*2026: 2 people, 7 templates, 1 photo\./,
    );
    expect(screen.getByTestId('privacy-preview-attendance').textContent).toContain('40 attendance events deleted');

    const dpia = screen.getByTestId('privacy-dpia-text').textContent ?? '';
    expect(dpia).toContain('Face data of people not seen for 180 days is erased');
    expect(dpia).toContain('Attendance older than 1 month is deleted.');
    expect(dpia).toContain('Legal basis');
    expect(dpia).toContain('[To be filled in by the organisation');
    expect(dpia).toContain('Database file: /home/station/.config/Presence/presence.db');
    expect(dpia).toContain('version 1');
  });

  it('speaks Chinese in Chinese, the DPIA text included', async () => {
    i18n.setLocale('zh-CN');
    await renderPrivacy({ faceDataRetentionDays: 30 });
    expect(screen.getByTestId('privacy-how-long').textContent).toContain('超过 30 天未出现的人员，其人脸数据将被删除');
    expect(screen.getByTestId('privacy-dpia-text').textContent).toContain('《个人信息保护法》');
  });

  it('shows no paths when main gives none (a locked session)', async () => {
    await renderPrivacy({}, overview({ databasePath: '', keyLocation: '' }));
    expect(screen.queryByTestId('privacy-database-path')).toBeNull();
    expect(screen.getByTestId('privacy-stored').textContent).toContain('Unlock the administration screens');
  });
});

describe('Privacy page: the consent text', () => {
  it('shows the text in force in both languages and saves a new version through privacy.setConsentText', async () => {
    const { api } = await renderPrivacy();
    expect(screen.getByTestId('privacy-consent-text-en').textContent).toContain('I agree');
    expect(screen.getByTestId('privacy-consent-text-zh-CN').textContent).toContain('我同意');
    expect(screen.getByTestId('privacy-consent-version').textContent).toContain('Version 1');
    expect(screen.getByTestId('privacy-consent').textContent).toContain('Consent given before stays recorded');

    await fireEvent.click(screen.getByTestId('privacy-consent-edit'));
    const en = screen.getByTestId('privacy-consent-input-en') as HTMLTextAreaElement;
    expect(en.value).toContain('I agree'); // the new version starts from the one in force
    await fireEvent.input(en, { target: { value: 'Too short.' } });
    await fireEvent.submit(en.form!);
    await settle();
    expect(api.privacy.setConsentText).not.toHaveBeenCalled();
    expect(screen.getByText('Write the whole consent text (at least 20 characters).')).toBeTruthy();

    const text = 'I agree that my face is used to recognise me at check-in, and that I can withdraw at any time.';
    await fireEvent.input(en, { target: { value: `  ${text}  ` } });
    await fireEvent.click(screen.getByTestId('privacy-consent-save'));
    await settle();
    expect(api.privacy.setConsentText).toHaveBeenCalledWith({
      en: text,
      'zh-CN': '我同意在签到时使用我的人脸来识别我的身份，并可随时撤回同意。',
    });
    expect(screen.getByTestId('privacy-consent-saved').textContent).toBe('Version 2 is in force.');
    expect(screen.getByTestId('privacy-consent-version').textContent).toContain('Version 2');
    expect(screen.getByTestId('privacy-consent-text-en').textContent).toBe(text);
  });
});

describe('Privacy page: the retention rules', () => {
  it('saves the four settings, and the page loads the preview again under them', async () => {
    const { api, onsaved } = await renderPrivacy();
    expect(screen.queryByTestId('privacy-face-days')).toBeNull();
    await fireEvent.click(screen.getByTestId('privacy-face-on'));
    await fireEvent.input(screen.getByTestId('privacy-face-days'), { target: { value: '90' } });
    await fireEvent.click(screen.getByTestId('privacy-attendance-on'));
    await fireEvent.click(screen.getByTestId('privacy-old-delete'));
    await fireEvent.click(screen.getByTestId('privacy-erased-delete'));
    expect(screen.getByTestId('privacy-retention-unsaved')).toBeTruthy();
    expect((screen.getByTestId('privacy-run-now') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('privacy-retention-save'));
    await settle();
    expect(api.settings.set).toHaveBeenCalledWith({
      faceDataRetentionDays: 90,
      attendanceRetentionMonths: 24,
      oldAttendance: 'delete',
      erasedAttendance: 'delete',
    });
    expect(onsaved).toHaveBeenCalled();
    expect(api.privacy.overview).toHaveBeenCalledTimes(2);
  });

  it('asks before running the rules now, says what goes for good, and runs only when confirmed', async () => {
    const { api } = await renderPrivacy(
      { faceDataRetentionDays: 180 },
      overview({
        retention: {
          faceData: { people: 3, templates: 12, thumbnails: 3 },
          attendance: { anonymised: 0, deleted: 0 },
          faceDataBefore: '2026-06-04T00:00:00.000Z',
          attendanceBefore: null,
          lastRunAt: null,
        },
      }),
    );
    await fireEvent.click(screen.getByTestId('privacy-run-now'));
    const dialog = screen.getByTestId('confirm-dialog');
    expect(within(dialog).getByTestId('confirm-message').textContent).toBe(
      'This removes for good: face data (3 people, 12 templates, 3 photos). It cannot be undone.',
    );
    expect(api.privacy.runRetention).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByTestId('confirm-cancel'));
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
    expect(api.privacy.runRetention).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('privacy-run-now'));
    await fireEvent.click(screen.getByTestId('confirm-ok'));
    await settle();
    expect(api.privacy.runRetention).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('privacy-run-done').textContent).toBe(
      'Done: face data (3 people, 12 templates, 3 photos).',
    );
    expect(api.privacy.overview).toHaveBeenCalledTimes(2); // the counts and the last run, again
  });
});

describe('Privacy page: the audit log', () => {
  it('shows a holding chain with its head, and a broken one loudly after verifying', async () => {
    const { api } = await renderPrivacy();
    expect(screen.getByTestId('privacy-audit-ok').textContent).toContain('950 entries');
    expect(screen.getByTestId('privacy-audit-head').textContent).toBe(HEAD);
    expect(screen.queryByTestId('privacy-audit-broken')).toBeNull();

    api.privacy.verifyAudit.mockReturnValueOnce(
      ok({ ok: false, entries: 951, head: HEAD, brokenAt: { seq: 7, at: '2026-11-30T08:00:00.000Z' } }),
    );
    await fireEvent.click(screen.getByTestId('privacy-audit-verify'));
    await settle();
    const broken = screen.getByTestId('privacy-audit-broken');
    expect(broken.getAttribute('role')).toBe('alert');
    expect(broken.textContent).toContain('The audit log was altered outside Presence.');
    expect(broken.textContent).toContain('Entry #7');
    expect(screen.queryByTestId('privacy-audit-ok')).toBeNull();
    expect(screen.getByTestId('privacy-audit-when').textContent).toMatch(/^\s*Checked at /);
  });
});

describe('Privacy page: a person', () => {
  it('finds a person to export, or to erase through the erase dialog', async () => {
    const { api } = await renderPrivacy();
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {}); // jsdom cannot navigate
    await fireEvent.input(screen.getByTestId('privacy-person-search'), { target: { value: 'ada' } });
    await new Promise((r) => setTimeout(r, 250));
    await settle();
    expect(api.people.list).toHaveBeenCalledWith({ query: 'ada' });
    await fireEvent.click(screen.getByTestId('privacy-person-export'));
    await settle();
    expect(api.people.export).toHaveBeenCalledWith({ id: expect.any(String) });
    expect(screen.getByTestId('privacy-person-notice').textContent).toBe('Downloaded ada.zip.');
    expect(click).toHaveBeenCalled();
    click.mockRestore();

    await fireEvent.click(screen.getByTestId('privacy-person-erase'));
    await settle();
    expect(screen.getByTestId('erase-dialog').textContent).toContain('Ada Lovelace');
  });
});

describe('Settings: General | Privacy', () => {
  it('opens the Privacy tab, and keeps what was typed on the General tab', async () => {
    const settings = testSettings();
    const api = {
      ...fakeApi(overview(), settings),
      engine: { calibrate: vi.fn(() => new Promise(() => {})), status: vi.fn(() => new Promise(() => {})) },
      // SyncCard, on the page, has tests of its own: here it waits for ever.
      sync: { status: vi.fn(() => new Promise(() => {})) },
      admin: { setPin: vi.fn() },
    } as unknown as Pick<
      PresenceApi,
      'settings' | 'engine' | 'admin' | 'privacy' | 'people' | 'backup' | 'models' | 'sync'
    >;
    render(SettingsScreen, { props: { api, settings, onsaved: vi.fn() } });
    await settle();
    expect(screen.queryByTestId('screen-privacy')).toBeNull();
    await fireEvent.input(screen.getByTestId('settings-station'), { target: { value: 'Back door' } });

    await fireEvent.click(screen.getByTestId('settings-tab-privacy'));
    await settle();
    expect(screen.getByTestId('screen-privacy')).toBeTruthy();
    expect(screen.getByTestId('settings-tab-privacy').getAttribute('aria-selected')).toBe('true');
    expect((screen.getByTestId('settings-general') as HTMLElement).hidden).toBe(true);

    await fireEvent.click(screen.getByTestId('settings-tab-general'));
    expect(screen.queryByTestId('screen-privacy')).toBeNull();
    expect((screen.getByTestId('settings-station') as HTMLInputElement).value).toBe('Back door');
  });
});
