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

/** Today as YYYY-MM-DD in the local time zone. */
export function today(now: Date = new Date()): string {
  return localDay(now);
}

export function localDay(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y, m - 1, d + n));
}

/** Offers a file to the person as a download: the same code works in Electron and in a browser. */
export function download(file: { filename: string; mime: string; bytes: Uint8Array }): void {
  const blob = new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
