import { describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createDispatcher, type Handlers } from '../../src/main/transport/dispatch';
import { AppError } from '../../src/shared/errors';

// Only the handlers a test calls exist; the dispatcher looks them up by channel name.
const handlers = {
  'app.info': () => ({ name: 'Presence' }),
  'people.list': () => [],
  'people.create': () => {
    throw new AppError('CONFLICT', 'Someone already has this external id.');
  },
  'people.get': () => {
    throw new TypeError('boom');
  },
} as unknown as Handlers;

function sessionAt(clock: { t: number }) {
  return new AdminSession(1000, () => clock.t);
}

describe('dispatcher', () => {
  const errors: string[] = [];
  const dispatch = createDispatcher(handlers, { error: (m) => errors.push(m) });

  it('keeps the admin session alive on admin calls only', async () => {
    const clock = { t: 0 };
    const session = sessionAt(clock);
    session.unlock();
    clock.t = 900;
    await dispatch('app.info', undefined, { session });
    clock.t = 1100;
    expect(session.unlocked).toBe(false);

    session.unlock();
    clock.t += 900;
    await dispatch('people.list', undefined, { session });
    clock.t += 900;
    expect(session.unlocked).toBe(true);
  });

  it('says which field is wrong', async () => {
    const session = sessionAt({ t: 0 });
    session.unlock();
    const r = await dispatch('people.create', { name: '' }, { session });
    expect(r).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'A name is required (name).', details: { path: 'name' } },
    });
  });

  it('passes app errors through and hides unexpected ones behind a sentence', async () => {
    const session = sessionAt({ t: 0 });
    session.unlock();
    expect(await dispatch('people.create', { name: 'A' }, { session })).toEqual({
      ok: false,
      error: { code: 'CONFLICT', message: 'Someone already has this external id.' },
    });
    const r = await dispatch('people.get', { id: '6f1c1c1e-6a0b-4f6e-9a53-2f7d3c1f7e11' }, { session });
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(r)).not.toContain('boom');
    expect(errors).toEqual(['channel people.get failed']);
  });

  it('checks the session before the input: a locked caller learns nothing of an admin schema', async () => {
    const r = await dispatch('people.create', { name: '' }, { session: sessionAt({ t: 0 }) });
    expect(r).toMatchObject({ ok: false, error: { code: 'ADMIN_LOCKED' } });
  });

  it('answers a channel name that is no text, even one String() throws on', async () => {
    const session = sessionAt({ t: 0 });
    const r = await dispatch(Object.create(null), undefined, { session });
    expect(r).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_CHANNEL', message: 'A channel name is text, not object.' },
    });
  });
});
