import { describe, expect, it } from 'vitest';
import { da } from '../../src/lib/i18n/da.ts';
import { en } from '../../src/lib/i18n/en.ts';
import { fmtCount, type CountText } from '../../src/lib/i18n/format.ts';

/** The catalogue entries that are a count's forms ({ one, other }). */
const countTexts = (c: object) =>
  Object.entries(c).filter((e): e is [string, CountText] => typeof e[1] === 'object' && e[1] !== null && 'one' in e[1] && 'other' in e[1]);

describe('texts with a count', () => {
  it('say one of a thing in the singular and every other count in the plural', () => {
    expect(fmtCount(da.professionWorkers, 1)).toBe('1 medarbejder');
    expect(fmtCount(da.professionWorkers, 3)).toBe('3 medarbejdere');
    expect(fmtCount(da.professionWorkers, 0)).toBe('0 medarbejdere');
    expect(fmtCount(da.familiesAffected, 1)).toBe('1 familie berørt');
    expect(fmtCount(da.kfClosedNote, 2)).toBe('+ 2 afsluttede familier');
    expect(fmtCount(da.overviewPending, 1)).toMatch(/^1 families plan er /);
    expect(fmtCount(da.syncWaiting, 1)).toBe('1 ændring venter');
    expect(fmtCount(en.logoutUnsentFamilies, 1)).toBe('1 new family');
  });

  it('show the count as given (formatted), and choose the form by its value', () => {
    expect(fmtCount(da.overviewPending, 1250, '1.250')).toMatch(/^1\.250 familiers planer /);
  });

  it('are the same keys in both catalogues, and every form names the count', () => {
    const keys = (c: object) => countTexts(c).map(([k]) => k);
    expect(keys(en)).toEqual(keys(da));
    expect(keys(da).length).toBeGreaterThanOrEqual(10);
    for (const [key, text] of [...countTexts(da), ...countTexts(en)]) {
      expect(text.one, key).toContain('{n}');
      expect(text.other, key).toContain('{n}');
      expect(text.one, key).not.toBe(text.other);
    }
  });
});
