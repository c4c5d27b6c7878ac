import type { AppErrorData } from '../../shared/errors';

/**
 * Field-level messages from an INVALID_INPUT error, whichever way main reports them:
 * the sentence "A name is required (name)." (main's dispatcher today), `details: { path: 'kiosk.greetingSeconds' }`,
 * or `details: { name: 'A name is required.' }`. Keys are dotted paths.
 */
export function fieldErrors(error: AppErrorData | null | undefined, fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!error || error.code !== 'INVALID_INPUT') return out;
  const d = error.details ?? {};
  for (const key of ['field', 'path']) {
    const v = d[key];
    if (typeof v === 'string' && fields.includes(v)) out[v] = error.message;
  }
  for (const f of fields) {
    const v = d[f];
    if (typeof v === 'string' && !(f in out)) out[f] = v;
  }
  // The dispatcher's sentence names the field at its end: "A name is required (name)."
  const m = /^(.+) \(([\w.]+)\)\.$/.exec(error.message);
  if (m && fields.includes(m[2]) && !(m[2] in out)) out[m[2]] = `${m[1]}.`;
  return out;
}
