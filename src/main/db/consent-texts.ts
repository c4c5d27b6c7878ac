// The consent text shown to a person before their face is enrolled, as the first version of
// consent_texts (migration 007). An organisation replaces it with its own (privacy.setConsentText), which
// becomes a new version; each consent event keeps the version that was shown.

export const DEFAULT_CONSENT_TEXTS = {
  en:
    'Presence records your attendance by recognising your face. With your consent it stores, on this ' +
    'computer only, a numeric template of your face and a small photo, both encrypted, and the times you ' +
    'check in and out. They are used for nothing else and given to no one. You may ask for a copy of your ' +
    'data, and you may withdraw your consent at any time: your face data is then erased at once, and you ' +
    'can check in another way.',
  'zh-CN':
    'Presence 通过识别您的人脸记录考勤。经您同意，系统仅在本机保存您人脸的数字模板和一张小照片（均已加密），' +
    '以及您签到和签退的时间。这些数据不作其他用途，也不提供给任何人。您可以索取自己数据的副本，也可以随时撤回' +
    '同意：您的人脸数据将立即被清除，您可以改用其他方式签到。',
} as const;
