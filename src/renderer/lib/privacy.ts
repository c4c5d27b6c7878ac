// The sentences of Settings > Privacy and of its DPIA text, made from the data main reports
// (privacy.overview) and the retention settings in force: nothing here is written by hand per station,
// so what the page says is what Presence does.
import type { Settings } from '../../shared/settings';
import type { PrivacyOverview, RetentionSummary } from '../../shared/types';
import type { TranslateOptions } from './i18n.svelte';

/** A translator: i18n.t for the page, i18n's fixed-language t for a text in another language. */
export type Translate = (key: string, options?: TranslateOptions) => string;

/** The retention settings the sentences follow. */
export type RetentionSettings = Pick<
  Settings,
  'faceDataRetentionDays' | 'attendanceRetentionMonths' | 'oldAttendance' | 'erasedAttendance'
>;

/** How the template key is kept, read from main's one-line description of it (never the key itself). */
export type KeyKind = 'os' | 'file' | 'unknown';

export function keyKind(keyLocation: string): KeyKind {
  if (!keyLocation.trim()) return 'unknown';
  return /safeStorage|OS key store/i.test(keyLocation) ? 'os' : 'file';
}

/** For how long each kind of data is kept, one sentence each, from the retention settings. */
export function retentionSentences(s: RetentionSettings, t: Translate): string[] {
  return [
    s.faceDataRetentionDays === null
      ? t('privacy.faceKept')
      : t('privacy.faceRetention', { count: s.faceDataRetentionDays }),
    s.attendanceRetentionMonths === null
      ? t('privacy.attendanceKept')
      : s.oldAttendance === 'delete'
        ? t('privacy.attendanceDelete', { count: s.attendanceRetentionMonths })
        : t('privacy.attendanceAnonymise', { count: s.attendanceRetentionMonths }),
    s.erasedAttendance === 'delete' ? t('privacy.erasedDelete') : t('privacy.erasedKeep'),
    t('privacy.consentKept'),
    t('privacy.auditKept'),
  ];
}

/** How the data is protected, one sentence each. */
export function protectionSentences(keyLocation: string, t: Translate): string[] {
  const kind = keyKind(keyLocation);
  return [
    t('privacy.protectCipher'),
    kind === 'os' ? t('privacy.protectKeyOs') : kind === 'file' ? t('privacy.protectKeyFile') : t('privacy.protectKey'),
    t('privacy.protectFile'),
    t('privacy.protectPin'),
    t('privacy.protectAudit'),
  ];
}

export interface DpiaInput {
  overview: PrivacyOverview;
  settings: RetentionSettings;
  /** Formats an ISO time for the text (the page's language). */
  date: (iso: string) => string;
}

/**
 * A text the organisation can start its data-protection impact assessment from: what data, why, on
 * which legal basis (left for the organisation to fill in), how protected, how long, who can access it,
 * where it is, and the people's rights. Plain text, headed sections, for a word processor.
 */
export function dpiaText({ overview, settings, date }: DpiaInput, t: Translate): string {
  const { stored, consentText } = overview;
  const sections: Array<[string, string[]]> = [
    [
      t('privacy.dpiaWhatTitle'),
      [
        t('privacy.dpiaWhat'),
        t('privacy.dpiaWhatNow', {
          people: stored.people,
          withFaceData: stored.withFaceData,
          attendance: stored.attendanceEvents,
        }),
      ],
    ],
    [t('privacy.dpiaWhyTitle'), [t('privacy.dpiaWhy')]],
    [
      t('privacy.dpiaBasisTitle'),
      [
        t('privacy.dpiaBasis'),
        t('privacy.dpiaConsent', { version: consentText.version, since: date(consentText.createdAt) }),
      ],
    ],
    [t('privacy.dpiaProtectTitle'), protectionSentences(overview.keyLocation, t)],
    [t('privacy.dpiaHowLongTitle'), retentionSentences(settings, t)],
    [t('privacy.dpiaAccessTitle'), [t('privacy.dpiaAccess')]],
    [
      t('privacy.dpiaWhereTitle'),
      [
        t('privacy.dpiaWhere'),
        ...(overview.databasePath ? [t('privacy.dpiaWherePath', { path: overview.databasePath })] : []),
      ],
    ],
    [
      t('privacy.dpiaRightsTitle'),
      [
        t('privacy.dpiaRightAccess'),
        settings.erasedAttendance === 'delete' ? t('privacy.dpiaRightEraseDelete') : t('privacy.dpiaRightEraseKeep'),
        t('privacy.dpiaRightWithdraw'),
      ],
    ],
  ];
  return [
    t('privacy.dpiaHeading'),
    ...sections.map(([title, lines]) => `${title}\n${lines.map((l) => `- ${l}`).join('\n')}`),
  ].join('\n\n');
}

/** "2 people, 5 templates, 2 photos"; empty when there is no face data in it. */
export function faceDataWhat(f: RetentionSummary['faceData'], t: Translate): string {
  if (f.people + f.templates + f.thumbnails === 0) return '';
  return t('privacy.faceWhat', {
    people: t('privacy.nPeople', { count: f.people }),
    templates: t('privacy.nTemplates', { count: f.templates }),
    photos: t('privacy.nPhotos', { count: f.thumbnails }),
  });
}

/** What a retention run removes (or removed), as one phrase; empty when nothing. */
export function summaryText(s: RetentionSummary, t: Translate): string {
  const face = faceDataWhat(s.faceData, t);
  return [
    face ? t('privacy.sumFace', { what: face }) : '',
    s.attendance.anonymised > 0 ? t('privacy.sumAnonymised', { count: s.attendance.anonymised }) : '',
    s.attendance.deleted > 0 ? t('privacy.sumDeleted', { count: s.attendance.deleted }) : '',
  ]
    .filter(Boolean)
    .join(t('privacy.listSeparator'));
}
