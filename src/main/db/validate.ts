// Last-line input checks inside the repositories. The IPC contract validates first; these keep the
// database consistent when a service or the CLI calls a repository directly.

import { AppError } from '../../shared/errors';
import { ACTORS, type Actor } from './types';

// The same limits as the contract's, so a person the CLI creates can be edited on the screens.
export { EXTERNAL_ID_MAX, NAME_MAX, NOTES_MAX } from '../../shared/limits';

/** Trimmed, non-empty, at most `max` characters. */
export function requiredText(value: unknown, label: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw new AppError('INVALID_INPUT', `${label} is required.`);
  const text = value.trim();
  if (text.length > max)
    throw new AppError('INVALID_INPUT', `${label} is too long (${text.length} characters); keep it to ${max}.`);
  return text;
}

/** Trimmed text, or null for null/undefined/blank. */
export function optionalText(value: unknown, label: string, max: number): string | null {
  if (value == null) return null;
  if (typeof value !== 'string') throw new AppError('INVALID_INPUT', `${label} must be text.`);
  const text = value.trim();
  if (text === '') return null;
  if (text.length > max)
    throw new AppError('INVALID_INPUT', `${label} is too long (${text.length} characters); keep it to ${max}.`);
  return text;
}

/** Any parseable date-time, normalised to ISO-8601 UTC with milliseconds so stored times sort as text. */
export function isoTime(value: unknown, label: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms))
    throw new AppError('INVALID_INPUT', `${label} must be a date and time such as 2026-01-31T08:15:00.000Z.`);
  return new Date(ms).toISOString();
}

const LOCAL_DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function localDay(value: unknown, label: string): string {
  if (typeof value !== 'string' || !LOCAL_DAY.test(value))
    throw new AppError('INVALID_INPUT', `${label} must be a day written as YYYY-MM-DD, for example 2026-01-31.`);
  return value;
}

export function optionalFiniteNumber(value: unknown, label: string): number | null {
  if (value == null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new AppError('INVALID_INPUT', `${label} must be a finite number.`);
  return value;
}

export function actor(value: Actor | undefined): Actor {
  const a = value ?? 'system';
  if (!ACTORS.includes(a))
    throw new AppError('INVALID_INPUT', `"${String(a)}" is not a known actor; use one of ${ACTORS.join(', ')}.`);
  return a;
}
