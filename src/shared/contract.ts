// The one place where every channel between the UI and the main process is declared:
// its name, the zod schema of its input, the type of its output, and who may call it.
// Main (handlers), preload (window.presence), the web transport and the renderer's types all derive from it.
import { z } from 'zod';
import { ATTENDANCE_KINDS, REASON_MAX } from './attendance';
import { minutesOfClock } from './local-day';
import type { EngineStatus, TrainedModelInfo } from './face';
import {
  BACKUP_EVERY_DAYS_MAX,
  BACKUP_KEEP_MAX,
  BACKUP_PASSPHRASE_MAX,
  BACKUP_PASSPHRASE_MIN,
  EXTERNAL_ID_MAX,
  isPinFormat,
  lineTextRule,
  MAX_IMAGE_BYTES,
  MAX_PHOTOS_PER_IMPORT,
  MAX_GROUP_FACES,
  NAME_MAX,
  NOTES_MAX,
  PIN_MAX_DIGITS,
  PIN_MIN_DIGITS,
  passphraseLength,
} from './limits';
import { settingsPatchSchema, stationNameSchema, type Settings } from './settings';
import type {
  AdminStatus,
  AppInfo,
  AttendanceEvent,
  AttendanceReport,
  AuditLogStatus,
  BackupResult,
  BackupStatus,
  SyncRoundResult,
  SyncStatus,
  CalibrationResult,
  ConsentEvent,
  ConsentText,
  ConsentWithdrawal,
  EnrollCommitResult,
  EnrollShotResult,
  ErasureResult,
  ExportFile,
  ImportPhotosResult,
  KioskFrameResult,
  KioskGreeting,
  Person,
  PrivacyOverview,
  RetentionSummary,
  TemplateSummary,
} from './types';
import type { Result } from './errors';
import type { GroupAddResult, GroupEnrollResult, GroupingResult, GroupMatch, GroupSessionInfo } from './photo-groups';

/**
 * public: reachable from the kiosk screen without an admin session (reads nothing personal
 * beyond the greeting of the person in front of the camera);
 * admin: changes data or reveals personal data, refused until the admin PIN unlocks the session.
 */
export type Access = 'public' | 'admin';

export interface Channel<I extends z.ZodType, O> {
  input: I;
  access: Access;
  /** Phantom: carries the output type, never read at run time. */
  output?: O;
}

function channel<O>() {
  return <I extends z.ZodType>(input: I, access: Access): Channel<I, O> => ({ input, access });
}

const noInput = z.union([z.undefined(), z.object({}).strict()]);
/** A kiosk screen's own name for its recognition run, chosen by the screen (a random UUID). */
const stationId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'A kiosk station id is 1 to 64 letters, digits, "-" or "_".' });

const id = z.uuid({ message: 'Expected a record id (UUID).' });
const day = z.iso.date({ message: 'Expected a date as YYYY-MM-DD.' });
const pin = z.string().refine(isPinFormat, { message: `A PIN is ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits.` });

export const MAX_FRAME_SIDE = 4096;

/** A camera frame: RGBA bytes whose length must match the stated size. */
export const frameSchema = z
  .object({
    width: z.number().int().min(16).max(MAX_FRAME_SIDE),
    height: z.number().int().min(16).max(MAX_FRAME_SIDE),
    rgba: z.instanceof(Uint8Array, { message: 'Expected frame pixels as a Uint8Array.' }),
  })
  .strict()
  .refine((f) => f.rgba.length === f.width * f.height * 4, {
    message: 'Frame pixels do not match its width and height (expected width x height x 4 RGBA bytes).',
    path: ['rgba'],
  });

/** A photo file chosen by the administrator, sent as its raw bytes. */
export const photoSchema = z
  .object({
    name: z.string().min(1).max(260),
    bytes: z
      .instanceof(Uint8Array, { message: 'Expected the file contents as a Uint8Array.' })
      .refine((b) => b.length > 0, { message: 'The file is empty.' })
      .refine((b) => b.length <= MAX_IMAGE_BYTES, {
        message: `The file is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB: choose a smaller photo.`,
      }),
  })
  .strict();

/** A trimmed line of text under the one rule for names (shared/limits.ts). */
function lineText(label: string, max: number, requiredMessage?: string) {
  return z
    .string()
    .trim()
    .min(1, requiredMessage === undefined ? undefined : { message: requiredMessage })
    .max(max)
    .superRefine(lineTextRule(label));
}

const personFields = {
  name: lineText('Name', NAME_MAX, 'A name is required.'),
  externalId: lineText('ID number', EXTERNAL_ID_MAX).nullable(),
  notes: z.string().max(NOTES_MAX).nullable(),
};

const dateRange = z
  .object({ from: day, to: day, personId: id.optional() })
  .strict()
  .refine((r) => r.from <= r.to, { message: 'The start date must not be after the end date.', path: ['from'] });

/** A punch's time as the station's wall clock shows it: the calendar day and HH:MM (24-hour). */
const wallTime = z
  .object({
    day,
    time: z.string().refine((v) => Number.isFinite(minutesOfClock(v)), {
      message: 'Expected a time of day as HH:MM (24-hour), for example 08:30.',
    }),
  })
  .strict();
const attendanceKind = z.enum(ATTENDANCE_KINDS, { message: 'Expected "in", "out" or "break".' });
/** Why an administrator changes the record: required, and kept in the audit log. */
const reason = z
  .string()
  .trim()
  .min(1, { message: 'Say why the record is changed (for example "forgot to check out").' })
  .max(REASON_MAX)
  .superRefine(lineTextRule('Reason'));

const newPerson = z
  .object({
    name: personFields.name,
    externalId: personFields.externalId.optional(),
    notes: personFields.notes.optional(),
  })
  .strict();

const consent = z
  .object({
    given: z.literal(true, { message: 'Consent is required before enrolling a face.' }),
    by: lineText('Who recorded the consent', NAME_MAX),
    /** The version of the consent text the person was shown (privacy.consentText); it must be the one in force. */
    textVersion: z.number().int().min(1),
  })
  .strict();

/** A consent text in both languages of the UI (privacy.setConsentText). */
const consentTextBody = z
  .string()
  .trim()
  .min(20, { message: 'Write the whole consent text (at least 20 characters).' })
  .max(4000);

/**
 * Whose face is being enrolled: an existing person, or a new one who is created only when their first
 * template is saved (so an abandoned enrollment leaves no empty person behind).
 */
const enrollTarget = {
  personId: id.optional(),
  newPerson: newPerson.optional(),
};
const oneTarget = (v: { personId?: string; newPerson?: object }) =>
  (v.personId === undefined) !== (v.newPerson === undefined);
/** A set of unlabelled photos held in memory by groups.open, and the faces found in it. */
const groupSession = z.uuid({ message: 'Expected the id of a set of photos (groups.open).' });
const faceIds = z
  .array(z.string().regex(/^f[0-9]{1,6}$/, { message: 'Expected a face id of this set of photos.' }))
  .min(1, { message: 'Choose at least one face.' })
  .max(MAX_GROUP_FACES)
  // The same face twice would be saved as two identical templates.
  .refine((ids) => new Set(ids).size === ids.length, { message: 'Each face can be chosen only once.' });
const oneTargetMessage = {
  message: 'Say whose face this is: either personId (an existing person) or newPerson, not both.',
  path: ['personId'],
};

export const contract = {
  'app.info': channel<AppInfo>()(noInput, 'public'),

  'settings.get': channel<Settings>()(noInput, 'public'),
  'settings.set': channel<Settings>()(settingsPatchSchema, 'admin'),

  'admin.status': channel<AdminStatus>()(noInput, 'public'),
  'admin.unlock': channel<AdminStatus>()(z.object({ pin }).strict(), 'public'),
  'admin.lock': channel<AdminStatus>()(noInput, 'public'),
  /** First run: no current PIN needed. Later: needs the unlocked session and the current PIN. */
  'admin.setPin': channel<AdminStatus>()(z.object({ currentPin: pin.optional(), newPin: pin }).strict(), 'public'),

  'people.list': channel<Person[]>()(
    z.union([z.undefined(), z.object({ query: z.string().max(120).optional() }).strict()]),
    'admin',
  ),
  'people.get': channel<Person>()(z.object({ id }).strict(), 'admin'),
  'people.create': channel<Person>()(newPerson, 'admin'),
  'people.update': channel<Person>()(
    z
      .object({
        id,
        name: personFields.name.optional(),
        externalId: personFields.externalId.optional(),
        notes: personFields.notes.optional(),
      })
      .strict(),
    'admin',
  ),
  /**
   * Erases a person (GDPR Art. 17): face data, notes and external ID go, the name becomes a random label.
   * `confirmName` is the person's name typed again by the administrator (compared as shared/limits nameKey).
   */
  'people.erase': channel<ErasureResult>()(
    z.object({ id, confirmName: z.string().max(NAME_MAX * 2) }).strict(),
    'admin',
  ),
  /** Subject access (GDPR Art. 15): one person's record, consent history, attendance and photos as a ZIP. */
  'people.export': channel<ExportFile>()(z.object({ id }).strict(), 'admin'),
  /** A person's consent events, oldest first. */
  'people.consentHistory': channel<ConsentEvent[]>()(z.object({ id }).strict(), 'admin'),
  /** Records the withdrawal of consent and erases the person's face data at once. */
  'people.withdrawConsent': channel<ConsentWithdrawal>()(
    z.object({ id, recordedBy: lineText('Who recorded the withdrawal', NAME_MAX) }).strict(),
    'admin',
  ),
  /** JPEG of the enrolled face crop, or null. Biometric: admin only. */
  'people.thumbnail': channel<Uint8Array | null>()(z.object({ id }).strict(), 'admin'),
  /** A person's face templates: when, how, quality, encoder. */
  'people.templates': channel<TemplateSummary[]>()(z.object({ id }).strict(), 'admin'),
  /** JPEG of one template's aligned face, or null when it has none. Biometric: admin only. */
  'people.templateChip': channel<Uint8Array | null>()(z.object({ templateId: id }).strict(), 'admin'),
  /** Deletes one template (a poor shot); the person and their other templates stay. */
  'people.deleteTemplate': channel<{ templateId: string; deleted: true }>()(
    z.object({ templateId: id }).strict(),
    'admin',
  ),

  'attendance.list': channel<AttendanceEvent[]>()(dateRange, 'admin'),
  'attendance.report': channel<AttendanceReport>()(dateRange, 'admin'),
  /** A missed punch, entered by the administrator (marked manual). */
  'attendance.add': channel<AttendanceEvent>()(
    z.object({ personId: id, kind: attendanceKind, when: wallTime, reason }).strict(),
    'admin',
  ),
  /** A punch's time or kind corrected (marked corrected); the audit keeps before and after. */
  'attendance.update': channel<AttendanceEvent>()(
    z
      .object({ id, kind: attendanceKind.optional(), when: wallTime.optional(), reason })
      .strict()
      .refine((v) => v.kind !== undefined || v.when !== undefined, {
        message: 'Say what to change: the kind, the time, or both.',
        path: ['kind'],
      }),
    'admin',
  ),
  /** A wrong punch removed from reports and exports; it stays in the audit log. */
  'attendance.delete': channel<{ id: string; deleted: true }>()(z.object({ id, reason }).strict(), 'admin'),
  /**
   * sheet "timesheet" (the default): one row per person and day with hours and flags, and totals per
   * person; "events": every punch.
   */
  'attendance.export': channel<ExportFile>()(
    z
      .object({
        from: day,
        to: day,
        personId: id.optional(),
        format: z.enum(['csv', 'xlsx']),
        sheet: z.enum(['timesheet', 'events']).optional(),
      })
      .strict()
      .refine((r) => r.from <= r.to, { message: 'The start date must not be after the end date.', path: ['from'] }),
    'admin',
  ),

  /** Settings > Privacy: what is stored, where, for how long; the consent text; the next retention run. */
  'privacy.overview': channel<PrivacyOverview>()(noInput, 'admin'),
  /** The consent text in force, shown by the enrollment wizard (its version goes with the consent). */
  'privacy.consentText': channel<ConsentText>()(noInput, 'admin'),
  /** A new version of the consent text; consent given before stays recorded with its own version. */
  'privacy.setConsentText': channel<ConsentText>()(
    z.object({ en: consentTextBody, 'zh-CN': consentTextBody }).strict(),
    'admin',
  ),
  /** Runs the retention rules now (they also run at start and daily). */
  'privacy.runRetention': channel<RetentionSummary>()(noInput, 'admin'),
  /** Checks the audit log's hash chain again, now. */
  'privacy.verifyAudit': channel<AuditLogStatus>()(noInput, 'admin'),

  'engine.status': channel<EngineStatus>()(noInput, 'public'),
  /** What a model folder written by `presence train` says about itself, before Settings selects it. */
  'models.inspect': channel<TrainedModelInfo>()(z.object({ dir: z.string().min(1).max(1024) }).strict(), 'admin'),
  'engine.calibrate': channel<CalibrationResult>()(
    z.union([z.undefined(), z.object({ targetFar: z.number().min(1e-6).max(0.1).optional() }).strict()]),
    'admin',
  ),

  /**
   * One camera frame of one kiosk screen (`station`); per station, the newest frame wins, nothing queues.
   * `stationName` is the door this screen stands at (its `?station=` address), recorded with its check-ins
   * instead of the station name in Settings.
   */
  'kiosk.frame': channel<KioskFrameResult>()(
    z.object({ frame: frameSchema, station: stationId, stationName: stationNameSchema.optional() }).strict(),
    'public',
  ),
  /** Explicit mode: what the recognised person tapped (or the suggested kind, on time-out). */
  'kiosk.punch': channel<KioskGreeting>()(
    z.object({ station: stationId, token: z.uuid(), kind: attendanceKind }).strict(),
    'public',
  ),
  /** "Not you?": voids the event a greeting of this screen recorded a moment ago (the token it carried). */
  'kiosk.undo': channel<{ voided: true }>()(z.object({ station: stationId, token: z.uuid() }).strict(), 'public'),
  /** Forget a kiosk screen's current recognition run (the screen was left or reset). */
  'kiosk.reset': channel<{ reset: true }>()(z.object({ station: stationId }).strict(), 'public'),

  /** Checks one camera shot during guided enrollment and keeps it in the session when it is good. */
  'enroll.capture': channel<EnrollShotResult>()(
    z
      .object({
        frame: frameSchema,
        /** The person, when they exist already (their own templates are then no duplicate). */
        personId: id.optional(),
        /** One wizard's capture: turned poses are judged against this capture's straight shot. */
        session: z.uuid().optional(),
      })
      .strict(),
    'admin',
  ),
  /** Stores kept shots as templates of the person (created now when new), with their consent. */
  'enroll.commit': channel<EnrollCommitResult>()(
    z
      .object({
        ...enrollTarget,
        shotIds: z
          .array(z.uuid())
          .min(1, { message: 'Capture at least one good shot first.' })
          .max(20)
          // The same shot twice would be saved as two identical templates.
          .refine((ids) => new Set(ids).size === ids.length, { message: 'Each shot can be saved only once.' }),
        consent,
        /** Re-enrollment: the person's earlier templates are replaced by these (default: added to them). */
        replace: z.boolean().optional(),
      })
      .strict()
      .refine(oneTarget, oneTargetMessage),
    'admin',
  ),
  /** Drops the shots of an abandoned enrollment. */
  'enroll.discard': channel<{ discarded: number }>()(
    z.object({ shotIds: z.array(z.uuid()).max(50) }).strict(),
    'admin',
  ),
  /** Adds photos from files to a person (the alternative to the camera); a new person is created only
   *  when at least one photo is good. */
  'enroll.importPhotos': channel<ImportPhotosResult>()(
    z
      .object({
        ...enrollTarget,
        photos: z.array(photoSchema).min(1).max(MAX_PHOTOS_PER_IMPORT),
        consent,
        /** Save photos whose face is already enrolled as someone else (the administrator confirmed them). */
        acceptDuplicates: z.boolean().optional(),
      })
      .strict()
      .refine(oneTarget, oneTargetMessage),
    'admin',
  ),

  /**
   * "Group photos": a new set of unlabelled photos (a company event), held in main's memory only, until its
   * groups are enrolled, it is closed, or it goes unused (GROUP_IDLE_MINUTES) or the admin session locks.
   */
  'groups.open': channel<GroupSessionInfo>()(noInput, 'admin'),
  /** Finds and embeds every face of these photos (one per call from the screens), into the set. */
  'groups.addPhotos': channel<GroupAddResult>()(
    z.object({ session: groupSession, photos: z.array(photoSchema).min(1).max(MAX_PHOTOS_PER_IMPORT) }).strict(),
    'admin',
  ),
  /** Groups the set's faces into people, largest group first, each with its probable enrolled match. */
  'groups.cluster': channel<GroupingResult>()(z.object({ session: groupSession }).strict(), 'admin'),
  /** The probable enrolled match of a group as the administrator edited it (merged, split, a face removed). */
  'groups.match': channel<GroupMatch | null>()(z.object({ session: groupSession, faceIds }).strict(), 'admin'),
  /** Saves a group's faces as a person's templates (created now when new), with their consent. */
  'groups.enroll': channel<GroupEnrollResult>()(
    z
      .object({
        ...enrollTarget,
        session: groupSession,
        faceIds,
        consent,
        /** Save faces that look like someone else already enrolled (the administrator confirmed them). */
        acceptDuplicates: z.boolean().optional(),
      })
      .strict()
      .refine(oneTarget, oneTargetMessage),
    'admin',
  ),
  /** Lets the set go: its photos and faces leave memory. */
  'groups.close': channel<{ closed: boolean }>()(z.object({ session: groupSession }).strict(), 'admin'),

  /** The scheduled backups (Settings > Privacy): the schedule, the last backup, the last failure. */
  'backup.status': channel<BackupStatus>()(noInput, 'admin'),
  /**
   * Sets the schedule (a folder on this computer, every so many days, how many files to keep) or turns
   * it off. The passphrase is not stored, only the key derived from it (sealed under the template key); it
   * may be left out to keep the one already set.
   */
  'backup.configure': channel<BackupStatus>()(
    z.union([
      z.object({ off: z.literal(true) }).strict(),
      z
        .object({
          folder: z.string().trim().min(1, { message: 'Choose the folder the backups go to.' }).max(4096),
          everyDays: z.number().int().min(1).max(BACKUP_EVERY_DAYS_MAX),
          keep: z.number().int().min(1).max(BACKUP_KEEP_MAX),
          passphrase: z
            .string()
            .max(BACKUP_PASSPHRASE_MAX)
            .refine((p) => passphraseLength(p) >= BACKUP_PASSPHRASE_MIN, {
              message: `A backup passphrase has at least ${BACKUP_PASSPHRASE_MIN} characters.`,
            })
            .optional(),
        })
        .strict(),
    ]),
    'admin',
  ),
  /** Makes a backup into the schedule's folder now (and prunes it to `keep`). */
  'backup.now': channel<BackupResult>()(noInput, 'admin'),

  /** This station's sync with the organisation's hub: joined or not, last sync, pending, last error. */
  'sync.status': channel<SyncStatus>()(noInput, 'admin'),
  /** One sync round now (it also runs in the background once joined). */
  'sync.now': channel<SyncRoundResult>()(noInput, 'admin'),
  /** Joins the hub with a one-time code from `presence hub add-station`. */
  'sync.join': channel<SyncStatus>()(
    z
      .object({
        url: z.string().trim().min(1, { message: "Give the hub's address (postgres://HOST:5432/DATABASE)." }).max(2048),
        code: z.string().trim().min(1, { message: 'Give the join code (PJ1-...).' }).max(200),
      })
      .strict(),
    'admin',
  ),
} as const;

export type Contract = typeof contract;
export type ChannelName = keyof Contract;
export type InputOf<C extends ChannelName> = z.input<Contract[C]['input']>;
export type ParsedInputOf<C extends ChannelName> = z.output<Contract[C]['input']>;
export type OutputOf<C extends ChannelName> = Exclude<Contract[C]['output'], undefined>;

export const CHANNELS = Object.keys(contract) as ChannelName[];

type Namespace<C extends string> = C extends `${infer N}.${string}` ? N : never;
type Method<C extends string, N extends string> = C extends `${N}.${infer M}` ? M : never;

/** Input may be omitted when the channel accepts undefined. */
type Call<C extends ChannelName> =
  undefined extends InputOf<C>
    ? (input?: InputOf<C>) => Promise<Result<OutputOf<C>>>
    : (input: InputOf<C>) => Promise<Result<OutputOf<C>>>;

/** window.presence and the web client: `api.people.create({ name })`. */
export type PresenceApi = {
  [N in Namespace<ChannelName>]: { [M in Method<ChannelName, N>]: Call<Extract<`${N}.${M}`, ChannelName>> };
};

export function splitChannel(name: ChannelName): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}
