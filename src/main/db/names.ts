// Names: what may be stored as one, and human-friendly matching and ordering. SQLite's NOCASE and LIKE
// fold ASCII only, so "zoë" would neither find "ZOË" nor sort next to "Zoe"; people lists are small
// enough to filter and sort here.

import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { lineTextProblem } from '../../shared/limits';
import { optionalText, requiredText } from './validate';

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Lower-case without accents: "Zoë Ündèr" -> "zoe under". */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** Case- and accent-insensitive order for display. */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}

// What may be written as a name. SQLite's CHECK cannot express Unicode classes, so the table keeps its
// minimal CHECK (a non-blank name) and the repository applies the one rule of shared/limits.ts before every
// write. Rows stored before the rule are read as they are: they only have to pass it when they are edited.

/** Trimmed, non-empty, at most `max` characters, and under the rule for names; INVALID_INPUT otherwise. */
export function requiredLineText(value: unknown, label: string, max: number): string {
  return checkLine(requiredText(value, label, max), label);
}

/** As requiredLineText, but null for null/undefined/blank. */
export function optionalLineText(value: unknown, label: string, max: number): string | null {
  const text = optionalText(value, label, max);
  return text === null ? null : checkLine(text, label);
}

function checkLine(text: string, label: string): string {
  const problem = lineTextProblem(text, label);
  if (problem) throw new AppError('INVALID_INPUT', problem);
  return text;
}

/**
 * What an erased person's record is called instead of their name: random, so that it says nothing about
 * them and cannot be linked back; distinct enough that kept attendance of two erased people stays apart.
 */
export function erasedLabel(): string {
  return `Erased ${randomBytes(4).toString('hex').toUpperCase()}`;
}

/** The label of attendance that retention anonymised (domain/retention.ts), as random as erasedLabel. */
export function anonymousLabel(): string {
  return `Anonymous ${randomBytes(4).toString('hex').toUpperCase()}`;
}
