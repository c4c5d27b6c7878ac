// The one rule for names (shared/limits.ts), and every schema of the contract that carries a name under it.
import { describe, expect, it } from 'vitest';
import { contract, type ChannelName } from '../../src/shared/contract';
import { lineTextProblem } from '../../src/shared/limits';
import { DEFAULT_SETTINGS, settingsFromStored } from '../../src/shared/settings';
import { ACCEPTED, REFUSED } from '../helpers/names';

const uuid = '6f1c1c1e-6a0b-4f6e-9a53-2f7d3c1f7e11';

describe('the rule for names', () => {
  it.each(REFUSED)('refuses text that %s, with a sentence that says why', (_, text, why) => {
    const problem = lineTextProblem(text, 'Name');
    expect(problem).toMatch(why);
    expect(problem).toMatch(/^Name /);
    expect(problem).toMatch(/: .+\.$/); // what to do about it, after the colon
  });

  it.each(ACCEPTED)('accepts %s', (text) => {
    expect(lineTextProblem(text, 'Name')).toBeNull();
  });
});

function issue(channel: ChannelName, input: unknown): string | null {
  const r = contract[channel].input.safeParse(input);
  return r.success ? null : r.error.issues[0]!.message;
}

describe('the contract holds every name to the rule', () => {
  const frame = { width: 16, height: 16, rgba: new Uint8Array(16 * 16 * 4) };
  const consent = (by: string) => ({ given: true, by, textVersion: 1 });

  it.each(REFUSED)('refuses a name, an ID number, a consent recorder and a station name that %s', (_, text, why) => {
    expect(issue('people.create', { name: text })).toMatch(why);
    expect(issue('people.create', { name: 'Ada', externalId: text })).toMatch(why);
    expect(issue('people.create', { name: 'Ada', externalId: text })).toMatch(/^ID number /);
    expect(issue('people.update', { id: uuid, name: text })).toMatch(why);
    expect(issue('people.update', { id: uuid, externalId: text })).toMatch(why);
    expect(issue('enroll.commit', { newPerson: { name: text }, shotIds: [uuid], consent: consent('desk') })).toMatch(
      why,
    );
    expect(issue('enroll.commit', { personId: uuid, shotIds: [uuid], consent: consent(text) })).toMatch(
      /^Who recorded the consent /,
    );
    expect(issue('settings.set', { stationName: text })).toMatch(/^Station name /);
    expect(issue('kiosk.frame', { frame, station: 'door-1', stationName: text })).toMatch(why);
  });

  it.each(ACCEPTED)('accepts %s in each of those fields', (text) => {
    expect(issue('people.create', { name: text, externalId: text })).toBeNull();
    expect(issue('enroll.commit', { personId: uuid, shotIds: [uuid], consent: consent(text) })).toBeNull();
    expect(issue('settings.set', { stationName: text })).toBeNull();
  });

  it('checks the name as trimmed, and still says a blank one is required', () => {
    expect(issue('people.create', { name: '   ' })).toBe('A name is required.');
    expect(issue('people.create', { name: '\u00A0\u2003' })).toBe('A name is required.');
    const r = contract['people.create'].input.safeParse({ name: '  Ada  ' });
    expect(r.success && r.data.name).toBe('Ada');
  });

  it('leaves notes alone: they may span lines', () => {
    expect(issue('people.create', { name: 'Ada', notes: 'night shift\nthen days' })).toBeNull();
  });

  it('reads a stored station name that breaks the rule as the default instead of failing', () => {
    expect(settingsFromStored({ stationName: '\u202EFront door' }).stationName).toBe(DEFAULT_SETTINGS.stationName);
    expect(settingsFromStored({ stationName: 'Front door' }).stationName).toBe('Front door');
  });
});
