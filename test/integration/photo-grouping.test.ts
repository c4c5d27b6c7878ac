// Group photos (domain/photo-grouping.ts) through the real dispatcher, on a real app: a real SQLite file,
// the real engine (WASM) on real photos of two people (test/fixtures/e2e, LFW). Photos are kept in
// memory only until a group is enrolled; a set belongs to the admin session that opened it and goes when
// that session locks, when it is idle too long, or when it is closed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createDispatcher, type Dispatch } from '../../src/main/transport/dispatch';
import type { GroupAddResult, GroupEnrollResult, GroupingResult } from '../../src/shared/photo-groups';
import { GROUP_IDLE_MINUTES } from '../../src/shared/limits';
import { tempApp, type TempApp } from '../helpers/temp-app';

const fixtures = path.join(__dirname, '..', 'fixtures');
const photo = (dir: string, name: string) => ({
  name,
  bytes: new Uint8Array(fs.readFileSync(path.join(fixtures, dir, name))),
});
const A = ['Ahmed_Chalabi_0001.jpg', 'Ahmed_Chalabi_0002.jpg', 'Ahmed_Chalabi_0003.jpg'];
const B = ['Ai_Sugiyama_0001.jpg', 'Ai_Sugiyama_0002.jpg', 'Ai_Sugiyama_0003.jpg'];
const CONSENT = { given: true, by: 'integration test', textVersion: 1 };

let t: TempApp;
let dispatch: Dispatch;
let clock = Date.parse('2026-12-04T10:00:00Z');
const now = () => clock;
const logged: string[] = [];

function unlocked(): { session: AdminSession } {
  const session = new AdminSession(60 * 60_000, now);
  session.unlock();
  return { session };
}

async function call<T>(channel: string, input: unknown, ctx: { session: AdminSession }): Promise<T> {
  const r = await dispatch(channel, input, ctx);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  t = tempApp({ now });
  dispatch = createDispatcher(t.app.handlers(), { error: (m, e) => logged.push(`${m}: ${String(e)}`) });
  await t.app.startEngine();
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  expect(logged).toEqual([]);
});

describe('Group photos', () => {
  const admin = unlocked();
  let session = '';
  /** Which photo each face came from. */
  const photoOf = new Map<string, string>();

  it('finds every face of each photo and says why a photo adds none', async () => {
    session = (await call<{ session: string }>('groups.open', undefined, admin)).session;
    const photos = [
      ...[...A, ...B].map((n) => photo('e2e', n)),
      photo('images', 'two-faces.jpg'),
      photo('images', 'no-face-gradient.jpg'),
      photo('images', 'corrupt-truncated.jpg'),
      photo('e2e', A[0]!), // the same file again
    ];
    const results: GroupAddResult['photos'] = [];
    for (const p of photos) {
      const r = await call<GroupAddResult>('groups.addPhotos', { session, photos: [p] }, admin);
      results.push(...r.photos);
    }
    for (const r of results) for (const f of r.faces) photoOf.set(f.id, r.name);
    expect(results.map((r) => [r.name, r.ok ? r.faces.length : r.error?.code])).toEqual([
      ...[...A, ...B].map((n) => [n, 1]),
      ['two-faces.jpg', 2],
      ['no-face-gradient.jpg', 'NO_FACE'],
      ['corrupt-truncated.jpg', 'IMAGE_CORRUPT'],
      [A[0], 'CONFLICT'],
    ]);
    expect(results.filter((r) => r.ok).every((r) => r.faces.every((f) => f.thumbnail && f.thumbnail.length > 0))).toBe(
      true,
    );
    // Nothing is stored before a group is enrolled.
    expect(t.app.store.db.prepare('SELECT COUNT(*) AS n FROM face_templates').get()).toEqual({ n: 0 });
    expect(t.app.store.db.prepare('SELECT COUNT(*) AS n FROM people').get()).toEqual({ n: 0 });
  }, 120_000);

  it("groups each person's faces together, largest first, and refuses another session's set", async () => {
    const r = await call<GroupingResult>('groups.cluster', { session }, admin);
    const people = r.groups.map((g) => [...new Set(g.faces.map((f) => photoOf.get(f)!.split('_0')[0]))]);
    expect(
      people
        .slice(0, 2)
        .map((p) => p.join())
        .sort(),
      JSON.stringify(r),
    ).toEqual(['Ahmed_Chalabi', 'Ai_Sugiyama']);
    expect(r.groups[0]!.faces.length).toBeGreaterThanOrEqual(r.groups.at(-1)!.faces.length);
    expect(r.groups.every((g) => g.match === null)).toBe(true);
    expect(r.threshold).toBeGreaterThan(0);

    const other = await dispatch('groups.cluster', { session }, unlocked());
    expect(other).toMatchObject({ ok: false, error: { code: 'EXPIRED' } });
  });

  it('enrolls a group as a new person through the template writer; the set lets those faces go', async () => {
    const grouping = await call<GroupingResult>('groups.cluster', { session }, admin);
    const a = grouping.groups.find((g) => photoOf.get(g.faces[0]!)!.startsWith('Ahmed'))!;
    const stale = await dispatch(
      'groups.enroll',
      { session, faceIds: a.faces, newPerson: { name: 'Ahmed Chalabi' }, consent: { ...CONSENT, textVersion: 2 } },
      admin,
    );
    expect(stale).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });

    const r = await call<GroupEnrollResult>(
      'groups.enroll',
      { session, faceIds: a.faces, newPerson: { name: 'Ahmed Chalabi' }, consent: CONSENT },
      admin,
    );
    expect(r.added).toBe(3);
    expect(r.person?.name).toBe('Ahmed Chalabi');
    const rows = t.app.store.db
      .prepare('SELECT source, source_ref, chip IS NOT NULL AS chip FROM face_templates')
      .all() as { source: string; source_ref: string; chip: number }[];
    expect(rows.map((x) => [x.source, x.chip])).toEqual([
      ['import', 1],
      ['import', 1],
      ['import', 1],
    ]);
    expect(rows.every((x) => /^[0-9a-f]{64}$/.test(x.source_ref))).toBe(true);
    const consent = t.app.store.db
      .prepare("SELECT method, text_version FROM consent_events WHERE kind = 'given'")
      .all();
    expect(consent).toEqual([{ method: 'import', text_version: 1 }]);
    const audit = t.app.store.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'template%'").get() as {
      n: number;
    };
    expect(audit.n).toBeGreaterThan(0);

    // Enrolled faces have left the set.
    const again = await dispatch(
      'groups.enroll',
      { session, faceIds: a.faces, personId: r.person!.id, consent: CONSENT },
      admin,
    );
    expect(again).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // A new photo of the same person is now probably them.
    const more = await call<GroupAddResult>(
      'groups.addPhotos',
      { session, photos: [photo('e2e', 'Ahmed_Chalabi_0004.jpg')] },
      admin,
    );
    const face = more.photos[0]!.faces[0]!.id;
    expect(await call('groups.match', { session, faceIds: [face] }, admin)).toMatchObject({ name: 'Ahmed Chalabi' });
    // Enrolled as someone else, it is held back unless confirmed.
    const held = await call<GroupEnrollResult>(
      'groups.enroll',
      { session, faceIds: [face], newPerson: { name: 'Somebody Else' }, consent: CONSENT },
      admin,
    );
    expect(held).toMatchObject({
      added: 0,
      person: null,
      faces: [{ ok: false, duplicateOf: { name: 'Ahmed Chalabi' } }],
    });
  });

  it('lets a set go when its admin session locks, when idle too long, or when closed', async () => {
    const locking = unlocked();
    const s1 = (await call<{ session: string }>('groups.open', undefined, locking)).session;
    expect(await call('admin.lock', undefined, locking)).toMatchObject({ unlocked: false });
    locking.session.unlock();
    expect(await dispatch('groups.cluster', { session: s1 }, locking)).toMatchObject({
      ok: false,
      error: { code: 'EXPIRED' },
    });

    const idle = unlocked();
    const s2 = (await call<{ session: string }>('groups.open', undefined, idle)).session;
    clock += (GROUP_IDLE_MINUTES + 1) * 60_000;
    idle.session.unlock();
    admin.session.unlock();
    expect(await dispatch('groups.cluster', { session: s2 }, idle)).toMatchObject({
      ok: false,
      error: { code: 'EXPIRED' },
    });
    expect(await dispatch('groups.cluster', { session }, admin)).toMatchObject({
      ok: false,
      error: { code: 'EXPIRED' },
    });

    const closing = unlocked();
    const s3 = (await call<{ session: string }>('groups.open', undefined, closing)).session;
    expect(await call('groups.close', { session: s3 }, closing)).toEqual({ closed: true });
    expect(await dispatch('groups.match', { session: s3, faceIds: ['f0'] }, closing)).toMatchObject({
      ok: false,
      error: { code: 'EXPIRED' },
    });
    expect(t.app.grouping.openSets).toBe(0);
  });
});
