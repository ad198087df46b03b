// The overview's families tile: its note counts closed families and those
// deleted after the retention period, each in its own singular or plural,
// with the count written as the tiles write figures.
import { describe, expect, it } from 'vitest';
import { familiesNote } from '../../src/lib/ui/overview-columns.ts';

describe('familiesNote', () => {
  it('says nothing when no family is closed or deleted', () => {
    expect(familiesNote({ closedFamilies: 0 })).toBeUndefined();
    expect(familiesNote({ closedFamilies: 0, deletedFamilies: 0 })).toBeUndefined();
  });

  it('gives one family and many families their own form', () => {
    expect(familiesNote({ closedFamilies: 1, deletedFamilies: 1 })).toBe('+ 1 afsluttet familie · 1 familie slettet efter opbevaringsfristen');
    expect(familiesNote({ closedFamilies: 0, deletedFamilies: 3 })).toBe('3 familier slettet efter opbevaringsfristen');
  });

  it('writes a large count with a thousands separator, as the tiles do', () => {
    expect(familiesNote({ closedFamilies: 1234, deletedFamilies: 2500 })).toBe('+ 1.234 afsluttede familier · 2.500 familier slettet efter opbevaringsfristen');
  });
});
