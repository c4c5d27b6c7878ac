export type ScreenName = 'kiosk' | 'enroll' | 'people' | 'attendance' | 'settings';

export const ADMIN_SCREENS: ScreenName[] = ['enroll', 'people', 'attendance', 'settings'];
