// i18next holds the strings; this class holds the current locale as $state so that every t() call
// made in a template re-runs when the language changes.
import i18next from 'i18next';
import type { Locale } from '../../shared/settings';
import en from '../locales/en.json';
import zhCN from '../locales/zh-CN.json';

/** Interpolation values, plus count for plurals. */
export type TranslateOptions = Record<string, string | number>;

export const LOCALES: Locale[] = ['en', 'zh-CN'];

const instance = i18next.createInstance();
void instance.init({
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: LOCALES,
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
  showSupportNotice: false,
});

export class I18n {
  locale = $state<Locale>('en');
  #fixed = $derived(instance.getFixedT(this.locale) as unknown as (key: string, options?: TranslateOptions) => string);

  /** Translates a key; reading this.locale (through #fixed) makes the caller depend on the language. */
  t = (key: string, options?: TranslateOptions): string => this.#fixed(key, options);

  /** A string in a given language, whatever the current one (a default that follows the language). */
  in(locale: Locale, key: string): string {
    return (instance.getFixedT(locale) as unknown as (key: string) => string)(key);
  }

  setLocale(locale: Locale): void {
    if (!LOCALES.includes(locale)) return;
    this.locale = locale;
    void instance.changeLanguage(locale);
    if (typeof document !== 'undefined') document.documentElement.lang = locale;
  }

  /**
   * The sentence to show for an error. English shows main's own sentence (it is the most specific);
   * other languages show the translation for the error's code when there is one, and main's sentence
   * otherwise (e.g. INVALID_INPUT, whose sentence names the field).
   */
  errorText(error: { code?: string; message: string }): string {
    if (this.locale === 'en' || !error.code) return error.message;
    const key = `errors.${error.code}`;
    return instance.exists(key, { lng: this.locale, fallbackLng: false }) ? this.t(key) : error.message;
  }

  /** Clock time; timeZone is the station's setting when it has one (null = this computer's). */
  time(iso: string | Date, timeZone?: string | null): string {
    const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
    if (timeZone) options.timeZone = timeZone;
    try {
      return new Intl.DateTimeFormat(this.locale, options).format(toDate(iso));
    } catch {
      // An unknown zone name must not take the kiosk down: fall back to local time.
      return new Intl.DateTimeFormat(this.locale, { hour: '2-digit', minute: '2-digit' }).format(toDate(iso));
    }
  }

  date(iso: string | Date): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium' }).format(toDate(iso));
  }

  dateTime(iso: string | Date): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(toDate(iso));
  }

  /** A YYYY-MM-DD day label as a short weekday and date, e.g. for chart axes. */
  shortDay(day: string): string {
    return new Intl.DateTimeFormat(this.locale, { month: 'numeric', day: 'numeric' }).format(toDate(day));
  }

  number(n: number, options?: Intl.NumberFormatOptions): string {
    return new Intl.NumberFormat(this.locale, options).format(n);
  }
}

/** A bare YYYY-MM-DD means that local day, not midnight UTC. */
function toDate(value: string | Date): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return new Date(y, m - 1, d);
  }
  return new Date(value);
}

export const i18n = new I18n();
export const t = i18n.t;
