import { z } from 'zod';
import { ATTENDANCE_MODES } from './attendance';
import { lineTextRule } from './limits';
import { minutesOfClock } from './local-day';

/** True for a time zone this runtime can compute local days in (IANA names such as "Europe/Berlin"). */
function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A time of day on the station's clock, "HH:MM" (24-hour). */
const clockTime = z.string().refine((v) => Number.isFinite(minutesOfClock(v)), {
  message: 'Expected a time of day as HH:MM (24-hour), for example 04:00.',
});

/** The name a check-in is recorded under: a door, a room, a tablet. */
export const stationNameSchema = z.string().trim().min(1).max(80).superRefine(lineTextRule('Station name'));

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

const kioskFields = {
  /** Seconds a greeting stays on screen before the kiosk returns to idle. */
  greetingSeconds: z.number().min(1).max(30),
  sound: z.boolean(),
  /** Show the camera mirrored, as people expect from a mirror. */
  mirror: z.boolean(),
};

// Fields carry no zod defaults on purpose: a patch must never be filled with defaults.
const fields = {
  /** deviceId from MediaDevices.enumerateDevices(); null = the system's default camera. */
  cameraId: z.string().max(512).nullable(),
  /**
   * Maximum embedding distance (Euclidean, unit vectors) for a match. null = use the calibrated
   * value for the current encoder (engine.calibrate), or the encoder's default before any calibration.
   */
  threshold: z.number().min(0.05).max(2).nullable(),
  /** The best other identity must be at least this much farther away, or the face stays unknown. */
  margin: z.number().min(0).max(1),
  /** False-accept rate that calibration aims for when it chooses the threshold. */
  targetFar: z.number().min(1e-6).max(0.1),
  /** A person recognised again within this time is greeted but not recorded again. */
  cooldownMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  attendanceMode: z.enum(ATTENDANCE_MODES),
  /**
   * In alternate mode, a pass within this time after a check-in is greeted but does not check the person
   * out: walking past the kiosk again is not leaving.
   */
  minInOutMinutes: z
    .number()
    .int()
    .min(0)
    .max(12 * 60),
  /**
   * When the work day starts ("HH:MM"): events before it belong to the day before, so a night shift that
   * checks out at 02:00 belongs to the day it started (with 04:00). "00:00" = the calendar day.
   */
  dayStartsAt: clockTime,
  /**
   * People still in at this time ("HH:MM", on the work day) are checked out automatically, and the
   * check-out is marked automatic; null = nobody is checked out for them, and the day is listed as a
   * missed punch for the administrator to correct.
   */
  autoCheckOut: clockTime.nullable(),
  /** Record attendance only when passive liveness says a live person is in front of the camera. */
  livenessRequired: z.boolean(),
  /** Name of this check-in station, stored with each event (a kiosk screen may name its own). */
  stationName: stationNameSchema,
  kiosk: z.object(kioskFields).strict(),
  locale: z.enum(LOCALES),
  /** IANA time zone that decides which local day an event belongs to; null = the system's. */
  // A misspelt zone saved here would make every check-in and report fail, so it is refused at the door
  // (and a stored one that this runtime does not know is ignored by settingsFromStored).
  timeZone: z
    .string()
    .max(64)
    .refine(isKnownTimeZone, { message: 'Unknown time zone: use an IANA name such as "Europe/Berlin".' })
    .nullable(),
  /**
   * Face data (templates, chips, thumbnail) of people not seen at a kiosk for this many days is erased
   * by the retention run (domain/retention.ts); the person and their attendance stay. null = kept.
   */
  faceDataRetentionDays: z.number().int().min(1).max(3650).nullable(),
  /** Attendance older than this many months is anonymised or deleted (oldAttendance); null = kept. */
  attendanceRetentionMonths: z.number().int().min(1).max(600).nullable(),
  /** anonymise: old rows move to an anonymous label, hours still add up; delete: they go. */
  oldAttendance: z.enum(['anonymise', 'delete']),
  /**
   * An erased person's attendance: kept under the tombstone's random label for payroll (until
   * attendanceRetentionMonths removes it), or deleted with the person.
   */
  erasedAttendance: z.enum(['keep', 'delete']),
  /**
   * A model folder written by `presence train` that recognition uses instead of the shipped encoder
   * (this station's; the gallery is re-embedded from its face chips when it changes); null = the shipped one.
   */
  trainedModel: z.string().min(1).max(1024).nullable(),
  /**
   * Once this station has joined a hub (presence sync join): how often it syncs, in seconds. Changes made
   * here are sent sooner: within two seconds of being made.
   */
  syncIntervalSeconds: z.number().int().min(2).max(3600),
};

export const settingsSchema = z.object(fields).strict();
export type Settings = z.output<typeof settingsSchema>;

/** What settings.set accepts: any subset; nested kiosk options may be partial too. */
export const settingsPatchSchema = z
  .object({ ...fields, kiosk: z.object(kioskFields).partial().strict() })
  .partial()
  .strict();
export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  cameraId: null,
  threshold: null,
  margin: 0.05,
  targetFar: 0.0001,
  cooldownMinutes: 2,
  attendanceMode: 'alternate',
  minInOutMinutes: 30,
  dayStartsAt: '00:00',
  autoCheckOut: null,
  livenessRequired: false,
  stationName: 'Station 1',
  kiosk: Object.freeze({ greetingSeconds: 4, sound: true, mirror: true }),
  locale: 'en',
  timeZone: null,
  faceDataRetentionDays: null,
  attendanceRetentionMonths: null,
  oldAttendance: 'anonymise',
  erasedAttendance: 'keep',
  trainedModel: null,
  syncIntervalSeconds: 30,
}) as Settings;

/** Applies a validated patch; nested kiosk options merge rather than replace. */
export function applySettingsPatch(base: Settings, patch: SettingsPatch): Settings {
  const { kiosk, ...rest } = patch;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, kiosk: { ...base.kiosk, ...kiosk } };
}

/**
 * Reads whatever a database holds (possibly written by another version): each valid stored value
 * wins over the default, an invalid or unknown one is ignored rather than failing the whole app.
 */
export function settingsFromStored(stored: Record<string, unknown>): Settings {
  let out: Settings = { ...DEFAULT_SETTINGS, kiosk: { ...DEFAULT_SETTINGS.kiosk } };
  for (const [key, value] of Object.entries(stored)) {
    const parsed = settingsPatchSchema.safeParse({ [key]: value });
    if (parsed.success) out = applySettingsPatch(out, parsed.data);
  }
  return out;
}
