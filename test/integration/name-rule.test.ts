// The rule for names on a real SQLite file: through the real dispatcher a bad name is INVALID_INPUT with
// the rule's sentence (never INTERNAL from SQLite's CHECK), the repository refuses it too when the CLI or
// a service calls it directly, and names stored before the rule still load and can be fixed.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createDispatcher, type Dispatch } from '../../src/main/transport/dispatch';
import { AppError, type Result } from '../../src/shared/errors';
import type { Person } from '../../src/shared/types';
import { ACCEPTED, REFUSED } from '../helpers/names';
import { tempApp, type TempApp } from '../helpers/temp-app';

let t: TempApp;
let dispatch: Dispatch;
let session: AdminSession;
const logged: string[] = [];

function call(channel: string, input: unknown): Promise<Result<unknown>> {
  return dispatch(channel, input, { session });
}

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** A row as an older version (or another tool) could have written it, past today's rule. */
function storeRaw(name: string, externalId: string | null = null): string {
  const id = randomUUID();
  const now = new Date().toISOString();
  t.app.store.db
    .prepare('INSERT INTO people (id, name, external_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
    .run(id, name, externalId, now, now);
  return id;
}

beforeEach(() => {
  logged.length = 0;
  t = tempApp();
  dispatch = createDispatcher(t.app.handlers(), { error: (m) => logged.push(m) });
  session = new AdminSession();
  session.unlock();
});

afterEach(async () => {
  await t.cleanup();
});

describe('a name that breaks the rule', () => {
  it.each(REFUSED)('that %s is refused by people.create and people.update as INVALID_INPUT', async (_, text, why) => {
    const created = await call('people.create', { name: text });
    expect(created).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(!created.ok && created.error.message).toMatch(why);

    const ada = (await call('people.create', { name: 'Ada' })) as Result<Person>;
    if (!ada.ok) throw new Error(ada.error.message);
    for (const patch of [{ name: text }, { externalId: text }]) {
      const updated = await call('people.update', { id: ada.value.id, ...patch });
      expect(updated).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(t.app.store.people.list().map((p) => p.name)).toEqual(['Ada']);
    expect(logged).toEqual([]); // nothing reached SQLite's CHECK
  });

  it.each(REFUSED)('that %s is refused by the repository itself, before SQLite', (_, text, why) => {
    const people = t.app.store.people;
    for (const write of [
      () => people.create({ name: text }, 'cli'),
      () => people.create({ name: 'Ada', externalId: text }, 'cli'),
      () => people.checkNew({ name: text }),
    ]) {
      const e = refusal(write);
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toMatch(why);
    }
    const ada = people.create({ name: 'Ada' }, 'cli');
    expect(refusal(() => people.update(ada.id, { name: text }, 'cli')).code).toBe('INVALID_INPUT');
    expect(refusal(() => people.update(ada.id, { externalId: text }, 'cli')).code).toBe('INVALID_INPUT');
    const consent = refusal(() =>
      t.app.store.consent.record(ada.id, { kind: 'given', recordedBy: text, method: 'cli', textVersion: 1 }, 'cli'),
    );
    expect(consent).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^Who recorded the consent /),
    });
    expect(people.get(ada.id)).toMatchObject({ name: 'Ada', externalId: null, consentBy: null });
  });

  it('that starts with NUL is said as such rather than failing inside SQLite', async () => {
    const r = await call('people.create', { name: '\u0000Ada' });
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^Name contains an invisible control character \(U\+0000\): .+ \(name\)\.$/),
        details: { path: 'name' },
      },
    });
  });

  it('that is a station name is refused by settings.set, and Settings keep the one before', async () => {
    const r = await call('settings.set', { stationName: 'Front\u202E door' });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(t.app.settings().stationName).not.toContain('\u202E');
  });
});

describe('names that keep working', () => {
  it.each(ACCEPTED)('%s is stored and read back as typed', async (text) => {
    const r = (await call('people.create', { name: text, externalId: text })) as Result<Person>;
    expect(r).toMatchObject({ ok: true, value: { name: text, externalId: text } });
    expect(t.app.store.people.list().map((p) => p.name)).toEqual([text]);
  });

  it('a name stored before the rule still loads, its other fields can be edited, and it can be fixed', async () => {
    const spoofed = storeRaw('\u202Enimda', 'E-\u200B');
    const invisible = storeRaw('\u200B\u200B');
    const list = (await call('people.list', undefined)) as Result<Person[]>;
    expect(list.ok && list.value.map((p) => p.id).sort()).toEqual([spoofed, invisible].sort());
    expect(await call('people.get', { id: spoofed })).toMatchObject({ ok: true, value: { name: '\u202Enimda' } });

    // Fields left out are kept as they are: a note can be added without retyping the name first.
    expect(await call('people.update', { id: spoofed, notes: 'joined in May' })).toMatchObject({
      ok: true,
      value: { name: '\u202Enimda', notes: 'joined in May' },
    });
    expect(await call('people.update', { id: spoofed, name: 'admin', externalId: 'E-1' })).toMatchObject({
      ok: true,
      value: { name: 'admin', externalId: 'E-1' },
    });
    // Erasure is confirmed with the name as it is stored, even one the rule would refuse today.
    expect(await call('people.erase', { id: invisible, confirmName: '\u200B\u200B' })).toMatchObject({ ok: true });
  });
});
