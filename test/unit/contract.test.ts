import { describe, expect, it } from 'vitest';
import { CHANNELS, contract, frameSchema, type ChannelName } from '../../src/shared/contract';
import { MAX_IMAGE_BYTES } from '../../src/shared/limits';
import {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  settingsFromStored,
  settingsPatchSchema,
} from '../../src/shared/settings';
import { decodeMessage, encodeMessage } from '../../src/shared/wire';

const uuid = '6f1c1c1e-6a0b-4f6e-9a53-2f7d3c1f7e11';

function parse(channel: ChannelName, input: unknown) {
  return contract[channel].input.safeParse(input);
}

describe('the contract', () => {
  it('names every channel in a known namespace', () => {
    const namespaces = new Set([
      'app',
      'settings',
      'admin',
      'people',
      'attendance',
      'engine',
      'kiosk',
      'enroll',
      'privacy',
      'backup',
      'models',
      'groups',
      'sync',
    ]);
    for (const c of CHANNELS) expect(namespaces.has(c.split('.')[0]!), c).toBe(true);
  });

  it('keeps every data-changing or personal channel behind the admin session', () => {
    const publicChannels = CHANNELS.filter((c) => contract[c].access === 'public').sort();
    expect(publicChannels).toEqual(
      [
        'admin.lock',
        'admin.setPin',
        'admin.status',
        'admin.unlock',
        'app.info',
        'engine.status',
        'kiosk.frame',
        'kiosk.punch',
        'kiosk.reset',
        'kiosk.undo',
        'settings.get',
      ].sort(),
    );
  });

  it('accepts valid input', () => {
    expect(parse('app.info', undefined).success).toBe(true);
    expect(parse('people.create', { name: 'Ada Lovelace', externalId: 'E-17' }).success).toBe(true);
    expect(parse('people.update', { id: uuid, notes: null }).success).toBe(true);
    expect(parse('attendance.list', { from: '2026-11-01', to: '2026-11-30' }).success).toBe(true);
    expect(parse('admin.unlock', { pin: '123456' }).success).toBe(true);
    expect(parse('settings.set', { cooldownMinutes: 5, kiosk: { sound: false } }).success).toBe(true);
    expect(parse('settings.set', { timeZone: 'Asia/Shanghai' }).success).toBe(true);
    expect(parse('settings.set', { timeZone: null }).success).toBe(true);
    const frame = { width: 16, height: 16, rgba: new Uint8Array(16 * 16 * 4) };
    expect(parse('kiosk.frame', { frame, station: uuid }).success).toBe(true);
    expect(parse('kiosk.frame', { frame, station: uuid, stationName: 'Back door' }).success).toBe(true);
    expect(parse('kiosk.reset', { station: 'door-1' }).success).toBe(true);
    const consent = { given: true, by: 'desk', textVersion: 1 };
    expect(parse('enroll.commit', { personId: uuid, shotIds: [uuid], consent }).success).toBe(true);
    expect(
      parse('enroll.commit', { newPerson: { name: 'Ada', externalId: 'E-1' }, shotIds: [uuid], consent }).success,
    ).toBe(true);
  });

  it.each([
    ['people.create', { name: '' }, 'A name is required'],
    ['people.create', { name: 'A', extra: 1 }, 'Unrecognized key'],
    ['people.create', { name: 42 }, 'expected string'],
    ['people.create', undefined, 'expected object'],
    ['people.get', { id: 'not-a-uuid' }, 'record id'],
    ['attendance.list', { from: '2026-12-01', to: '2026-11-01' }, 'start date'],
    ['attendance.list', { from: '1 Nov', to: '2026-11-01' }, 'YYYY-MM-DD'],
    ['admin.unlock', { pin: '12a4' }, '4 to 12 digits'],
    ['admin.unlock', { pin: '12' }, '4 to 12 digits'],
    ['settings.set', { threshold: 7 }, ''],
    ['settings.set', { locale: 'fr' }, ''],
    ['settings.set', { unknown: true }, 'Unrecognized key'],
    ['settings.set', { timeZone: 'Asia/Shangai' }, 'Unknown time zone'],
    ['kiosk.frame', { frame: { width: 16, height: 16, rgba: new Uint8Array(10) }, station: 's' }, 'do not match'],
    ['kiosk.frame', { frame: { width: 16, height: 16, rgba: [1, 2, 3] }, station: 's' }, 'Uint8Array'],
    ['kiosk.frame', { frame: { width: 99999, height: 16, rgba: new Uint8Array(4) }, station: 's' }, ''],
    ['kiosk.frame', { frame: { width: 16, height: 16, rgba: new Uint8Array(16 * 16 * 4) } }, 'expected string'],
    ['kiosk.frame', { frame: { width: 16, height: 16, rgba: new Uint8Array(1024) }, station: 'a b' }, 'station id'],
    [
      'kiosk.frame',
      { frame: { width: 16, height: 16, rgba: new Uint8Array(1024) }, station: 's', stationName: ' ' },
      '',
    ],
    [
      'kiosk.frame',
      { frame: { width: 16, height: 16, rgba: new Uint8Array(1024) }, station: 's', stationName: 'x'.repeat(81) },
      '',
    ],
    ['kiosk.reset', undefined, 'expected object'],
    ['enroll.commit', { personId: uuid, shotIds: [uuid], consent: { given: false, by: 'x' } }, 'Consent is required'],
    [
      'enroll.commit',
      { personId: uuid, shotIds: [uuid, uuid], consent: { given: true, by: 'x', textVersion: 1 } },
      'only once',
    ],
    [
      'enroll.commit',
      { personId: uuid, shotIds: [], consent: { given: true, by: 'x', textVersion: 1 } },
      'at least one good shot',
    ],
    ['enroll.commit', { shotIds: [uuid], consent: { given: true, by: 'x', textVersion: 1 } }, 'either personId'],
    [
      'enroll.commit',
      {
        personId: uuid,
        newPerson: { name: 'Ada' },
        shotIds: [uuid],
        consent: { given: true, by: 'x', textVersion: 1 },
      },
      'not both',
    ],
    [
      'enroll.commit',
      { newPerson: { name: '' }, shotIds: [uuid], consent: { given: true, by: 'x', textVersion: 1 } },
      'A name is required',
    ],
    [
      'enroll.importPhotos',
      {
        personId: uuid,
        photos: [{ name: 'a.jpg', bytes: new Uint8Array(0) }],
        consent: { given: true, by: 'x', textVersion: 1 },
      },
      'empty',
    ],
  ] as const)('refuses bad input to %s (%j)', (channel, input, message) => {
    const r = parse(channel, input);
    expect(r.success).toBe(false);
    if (!r.success && message) expect(r.error.issues.map((i) => i.message).join(' | ')).toContain(message);
  });

  it('refuses a photo larger than the limit without copying it', () => {
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    const r = parse('enroll.importPhotos', {
      personId: uuid,
      photos: [{ name: 'huge.jpg', bytes: big }],
      consent: { given: true, by: 'x', textVersion: 1 },
    });
    expect(r.success).toBe(false);
  });

  it('checks frame size against the pixel buffer', () => {
    expect(frameSchema.safeParse({ width: 20, height: 20, rgba: new Uint8Array(20 * 20 * 4) }).success).toBe(true);
    expect(frameSchema.safeParse({ width: 20, height: 21, rgba: new Uint8Array(20 * 20 * 4) }).success).toBe(false);
  });
});

describe('settings', () => {
  it('never fills a patch with defaults', () => {
    expect(settingsPatchSchema.parse({ cooldownMinutes: 3 })).toEqual({ cooldownMinutes: 3 });
    expect(settingsPatchSchema.parse({ kiosk: { sound: false } })).toEqual({ kiosk: { sound: false } });
  });

  it('merges nested kiosk options instead of replacing them', () => {
    const next = applySettingsPatch(DEFAULT_SETTINGS, { kiosk: { sound: false } });
    expect(next.kiosk).toEqual({ ...DEFAULT_SETTINGS.kiosk, sound: false });
  });

  it('reads stored values, ignoring invalid or unknown ones', () => {
    const s = settingsFromStored({
      cooldownMinutes: 7,
      threshold: 'high',
      retired: 1,
      locale: 'zh-CN',
      timeZone: 'Asia/Shangai', // saved before zones were checked: every check-in would fail with it
    });
    expect(s.cooldownMinutes).toBe(7);
    expect(s.timeZone).toBeNull();
    expect(s.threshold).toBe(DEFAULT_SETTINGS.threshold);
    expect(s.locale).toBe('zh-CN');
    expect('retired' in s).toBe(false);
  });
});

describe('the wire codec', () => {
  it('carries bytes as raw blobs and everything else as JSON', () => {
    const rgba = new Uint8Array([1, 2, 3, 250]);
    const photo = new Uint8Array(1000).fill(7);
    const message = {
      id: 3,
      channel: 'kiosk.frame',
      input: { frame: { width: 1, height: 1, rgba }, list: [photo, 'x', null] },
    };
    const bytes = encodeMessage(message);
    expect(bytes.length).toBeLessThan(1200);
    const back = decodeMessage(bytes) as typeof message;
    expect(back.input.frame.rgba).toBeInstanceOf(Uint8Array);
    expect([...back.input.frame.rgba]).toEqual([1, 2, 3, 250]);
    expect(back.input.list[0]).toEqual(photo);
    expect(back.input.list.slice(1)).toEqual(['x', null]);
  });

  it('refuses a cut-off message', () => {
    const bytes = encodeMessage({ a: new Uint8Array(100) });
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 1))).toThrow(/cut off/);
    expect(() => decodeMessage(new Uint8Array(2))).toThrow(/too short/);
  });
});
