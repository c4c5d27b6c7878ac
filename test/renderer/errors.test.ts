import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/renderer/lib/dates';
import { fieldErrors } from '../../src/renderer/lib/errors';

describe('fieldErrors', () => {
  const fields = ['name', 'kiosk.greetingSeconds'] as const;

  it('reads the field from the end of the dispatcher sentence', () => {
    const error = {
      code: 'INVALID_INPUT' as const,
      message: 'Too big: expected number to be <=30 (kiosk.greetingSeconds).',
    };
    expect(fieldErrors(error, fields)).toEqual({ 'kiosk.greetingSeconds': 'Too big: expected number to be <=30.' });
  });

  it('reads details.path, ignores unknown fields and other codes', () => {
    expect(
      fieldErrors({ code: 'INVALID_INPUT', message: 'A name is required.', details: { path: 'name' } }, fields),
    ).toEqual({ name: 'A name is required.' });
    expect(fieldErrors({ code: 'INVALID_INPUT', message: 'Nope (other).' }, fields)).toEqual({});
    expect(fieldErrors({ code: 'NOT_FOUND', message: 'Gone (name).' }, fields)).toEqual({});
  });
});

describe('addDays', () => {
  it('steps over month ends in local days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
