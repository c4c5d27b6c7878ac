export type ScreenName = 'kiosk' | 'enroll' | 'people' | 'attendance' | 'settings';

export const ADMIN_SCREENS: ScreenName[] = ['enroll', 'people', 'attendance', 'settings'];

/** The pages of the Settings screen (a tab each); App keeps the one open while the screen is away. */
export type SettingsPage = 'general' | 'privacy';

export const SETTINGS_PAGES: SettingsPage[] = ['general', 'privacy'];
