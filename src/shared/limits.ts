// Sizes both sides must agree on, and the one rule for names (the end of this file). Plain code with no
// imports, so the renderer may import them as values.

/** The largest photo file accepted for enrollment (a phone's full-size JPEG is 3-12 MB). */
export const MAX_IMAGE_BYTES = 30 * 1024 * 1024;

/** A person's fields, the same for the screens, the contract and the database (the CLI writes directly). */
export const NAME_MAX = 120;
export const EXTERNAL_ID_MAX = 64;
export const NOTES_MAX = 2000;

/** The admin PIN: digits only, this many. The contract, the PIN pads and the hashing all ask `isPinFormat`. */
export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 12;
/** For sentences that state the rule ("4 to 12 digits"). */
export const PIN_DIGITS = { min: PIN_MIN_DIGITS, max: PIN_MAX_DIGITS } as const;
const PIN_FORMAT = new RegExp(`^[0-9]{${PIN_MIN_DIGITS},${PIN_MAX_DIGITS}}$`);

export function isPinFormat(pin: string): boolean {
  return PIN_FORMAT.test(pin);
}

/**
 * A backup passphrase, counted in characters (code points, after NFC): the backup leaves the computer,
 * so only the passphrase protects it. The same for `presence backup`, the contract and the screens.
 */
export const BACKUP_PASSPHRASE_MIN = 10;
export const BACKUP_PASSPHRASE_MAX = 1024;

export function passphraseLength(passphrase: string): number {
  return [...passphrase.normalize('NFC')].length;
}

/** Scheduled backups: every 1 to 365 days, keeping the newest 1 to 365 files. */
export const BACKUP_EVERY_DAYS_MAX = 365;
export const BACKUP_KEEP_MAX = 365;

/** The most photos one enroll.importPhotos call carries. */
export const MAX_PHOTOS_PER_IMPORT = 50;

/**
 * The most photos the screens import for one person at a time (sent one per call). More templates than
 * this add nothing to recognition; the rest are listed as not imported, and can be added afterwards.
 */
export const MAX_PHOTOS_PER_SESSION = 100;

/**
 * The largest message `presence serve` accepts on its WebSocket: one photo of the largest size plus the
 * message's framing. The screens send one photo per call (components/enroll/StepImport.svelte).
 */
export const MAX_WIRE_MESSAGE_BYTES = MAX_IMAGE_BYTES + 1024 * 1024;

/**
 * A request's JSON header (everything but its blobs). Real requests carry a few kilobytes; the bound is
 * checked before the header is parsed, so a header listing millions of blobs is refused unread.
 */
export const MAX_WIRE_HEADER_BYTES = 1024 * 1024;

/** The most blobs (photos, frames) one request may carry: a full import batch with room to spare. */
export const MAX_WIRE_BLOBS = 4096;

/**
 * Messages above MAX_WIRE_MESSAGE_BYTES but at most this size are still read far enough to answer their
 * call with IMAGE_TOO_LARGE, so the connection (and its admin session) stays open; only a message beyond
 * this closes the connection (1009) unread.
 */
export const MAX_WIRE_REFUSABLE_BYTES = 128 * 1024 * 1024;

// The one rule for a short line of text that names someone or something: a person's name and ID number,
// who recorded a consent, a station's name. The contract, the screens and the repositories all ask
// `lineTextProblem`, so text refused in one place is refused everywhere.

/**
 * Half of a UTF-16 pair on its own: not text (SQLite would store it as invalid UTF-8). The same test as
 * `String.prototype.isWellFormed` (Node 20, Chromium 111), which the ES2022 library types do not declare.
 */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0 and C1 controls and DEL (NUL, tab, line feed, escape...), and the Unicode line and paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
/**
 * Bidirectional marks, embeddings, overrides and isolates: they make text display other than it is stored
 * (a name that reads "Ada" in a list, or reorders the cells of a CSV row).
 */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/**
 * A character that shows: not a space, a format or default-ignorable character (zero-width space, joiners,
 * variation selectors, Hangul fillers), a combining mark on its own, or the blank Braille pattern.
 */
const VISIBLE = /[^\p{White_Space}\p{Z}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

function codePoint(match: string): string {
  return `U+${match.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why `text` (already trimmed, not empty) cannot be stored as `label`, as a sentence a person can act on;
 * null when it can. `label` starts the sentence: "Name", "ID number", "Station name".
 */
export function lineTextProblem(text: string, label: string): string | null {
  if (LONE_SURROGATE.test(text))
    return `${label} contains a broken character (half of a UTF-16 pair): type it again instead of pasting it.`;
  const control = CONTROL.exec(text);
  if (control)
    return `${label} contains an invisible control character (${codePoint(control[0])}): keep it to one line of ordinary text, without tabs or line breaks.`;
  const bidi = BIDI_CONTROL.exec(text);
  if (bidi)
    return `${label} contains a text-direction control (${codePoint(bidi[0])}) that would make it display as something else: type it again instead of pasting it.`;
  if (!VISIBLE.test(text)) return `${label} has no visible character: type at least one letter or digit.`;
  return null;
}

/** The rule as a zod refinement (`.superRefine(lineTextRule('Name'))`), typed so this file needs no zod. */
export function lineTextRule(label: string) {
  return (text: string, ctx: { addIssue(issue: { code: 'custom'; message: string }): void }): void => {
    const problem = lineTextProblem(text, label);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

/**
 * The form in which two names count as the same person's name (a namesake warning, a lookup by name):
 * compatibility-normalised, case-folded, with runs of spaces as one. "Ada  LOVELACE" and "ada lovelace"
 * are the same name; "Ada Lovelace" and "Ada Lovelace-King" are not.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/**
 * "Group photos" (Enroll screen): a set of unlabelled photos held in memory until its groups are enrolled.
 * At most this many photos per set, faces looked at per photo (a team photo), and sets open at once; a
 * set unused this long is let go. Photos travel one per call, like the photo import.
 */
export const MAX_GROUP_PHOTOS = 300;
export const MAX_FACES_PER_GROUP_PHOTO = 12;
/** Each face keeps its embedding, thumbnail and aligned chip (tens of kilobytes): this bounds a set's memory. */
export const MAX_GROUP_FACES = 1500;
export const MAX_GROUP_SESSIONS = 2;
export const GROUP_IDLE_MINUTES = 15;
