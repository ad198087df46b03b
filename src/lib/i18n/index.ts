// One message catalogue for the UI: Danish by default, English beside it.
import { da } from './da.ts';
import { en } from './en.ts';

const catalogues = { da, en } as const;
export type Locale = keyof typeof catalogues;

function pick(): Locale {
  if (typeof localStorage !== 'undefined' && localStorage.getItem('locale') === 'en') return 'en';
  return 'da';
}

export const locale: Locale = pick();
export const t = catalogues[locale];
