// One message catalogue for the UI: Danish by default, English beside it.
// Only the catalogue in use is loaded in the browser: English (a choice made
// on this device) is fetched before the first module that reads `t` runs, so
// a Danish page does not carry the English catalogue (DESIGN §9, initial JS).
// Node (the server, tests) has both.
import { da, type Catalogue } from './da.ts';

export type Locale = 'da' | 'en';

function pick(): Locale {
  if (typeof localStorage !== 'undefined' && localStorage.getItem('locale') === 'en') return 'en';
  return 'da';
}

export const locale: Locale = pick();

const english: Catalogue | null = locale === 'en' || typeof window === 'undefined' ? (await import('./en.ts')).en : null;

/** The catalogue of `lang` when it is loaded; otherwise the one in use. */
export function catalogue(lang: Locale): Catalogue {
  return lang === 'en' ? (english ?? da) : da;
}

export const t = catalogue(locale);
