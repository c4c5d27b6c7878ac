// Stable error codes and the error shape every transport returns.
// Codes never change meaning; messages are sentences a person can act on.

export const ERROR_CODES = [
  // transport and contract
  'INVALID_INPUT',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN_SENDER',
  'UNAUTHORIZED',
  // admin session
  'ADMIN_LOCKED',
  'PIN_NOT_SET',
  'PIN_ALREADY_SET',
  'PIN_WRONG',
  'PIN_LOCKED_OUT',
  // data
  'NOT_FOUND',
  'CONFLICT',
  // the template key: missing where data needs it, or not the key this data was encrypted with
  'KEY_MISSING',
  'KEY_WRONG',
  'CONSENT_REQUIRED',
  // backups: a passphrase that does not open the file; a file that is not a Presence backup or is damaged;
  // a backup that could not be written (folder, disk)
  'BACKUP_PASSPHRASE',
  'BACKUP_INVALID',
  'BACKUP_FAILED',
  // sync with the organisation's hub: it cannot be reached (work goes on here); this station's access
  // was revoked or its credentials are refused; no hub is set up here; the hub or a join code is not a
  // usable one (wrong schema, used code, wrong organisation key)
  'HUB_UNREACHABLE',
  'SYNC_REVOKED',
  'SYNC_NOT_JOINED',
  'HUB_INVALID',
  // images and faces
  'IMAGE_CORRUPT',
  'IMAGE_UNSUPPORTED',
  'IMAGE_TOO_LARGE',
  'NO_FACE',
  'MULTIPLE_FACES',
  'POOR_QUALITY',
  'NOT_LIVE',
  // engine
  'ENGINE_UNAVAILABLE',
  'ENGINE_FAILED',
  'MODEL_MISSING',
  'MODEL_CHECKSUM',
  'NOT_ENOUGH_DATA',
  // check-in station
  'KIOSK_BUSY',
  // a kiosk token (In/Out choice, "Not you?") that is used up, timed out or from another screen
  'EXPIRED',
  // renderer-only (camera)
  'NO_CAMERA',
  'CAMERA_DENIED',
  'CAMERA_LOST',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorData {
  code: ErrorCode;
  message: string;
  /** Optional machine-readable extras, e.g. retryAfterMs for PIN_LOCKED_OUT. */
  details?: Record<string, string | number | boolean | null>;
}

/** Thrown anywhere in main/CLI; transports turn it into `{ ok: false, error }`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: AppErrorData['details'];

  constructor(code: ErrorCode, message: string, details?: AppErrorData['details']) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toData(): AppErrorData {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };
