import { describe, expect, it } from 'vitest';
import { checkNewFamily, childrenOf, familyKey, isProblem, likelyDuplicates, type KnownFamily } from '../../src/lib/domain/new-family.ts';

const kids = (...c: [string, string][]) => c.map(([name, birthYear]) => ({ kind: 'child' as const, name, relation: 'barn', birthYear }));

describe('familyKey', () => {
  it('reads "Familien Jensen", "jensen" and " JENSEN " as one name', () => {
    expect(familyKey('Familien Jensen')).toBe('jensen');
    expect(familyKey(' JENSEN ')).toBe('jensen');
    expect(familyKey('familie jensen')).toBe('jensen');
  });
  it('keeps Danish letters and folds other accents', () => {
    expect(familyKey('Familien Ærø-Åberg')).toBe('ærø åberg');
    expect(familyKey('Familien Søndergård')).toBe(familyKey('søndergård'));
    expect(familyKey('Familien Hélène')).toBe('helene');
  });
});

describe('likelyDuplicates', () => {
  const known: KnownFamily[] = [
    { id: 'a', name: 'Familien Jensen', children: [{ name: 'Emma', birthYear: '2015' }] },
    { id: 'b', name: 'Familien Jensen', children: [{ name: 'Oliver', birthYear: '2012' }] },
    { id: 'c', name: 'Familien Hansen', children: [{ name: 'Emma Sofie', birthYear: '2015' }] },
    { id: 'd', name: 'Familien Nielsen' }
  ];

  it('warns on the same family name, whatever the spelling of "familien"', () => {
    const hits = likelyDuplicates({ name: 'jensen', members: [] }, known);
    expect(hits.map((h) => h.id).sort()).toEqual(['a', 'b']);
    expect(hits.every((h) => h.reason === 'name')).toBe(true);
  });

  it('tells two Jensen families apart by a child, and puts the likely one first', () => {
    const hits = likelyDuplicates({ name: 'Familien Jensen', members: kids(['Emma', '2015']) }, known);
    expect(hits[0]).toEqual({ id: 'a', name: 'Familien Jensen', reason: 'name-and-child' });
    // Hansen has an Emma born 2015 too (first names compared): a family known under another surname
    expect(hits.map((h) => [h.id, h.reason])).toEqual([['a', 'name-and-child'], ['c', 'child'], ['b', 'name']]);
  });

  it('finds a family under another surname by a child with the same first name and birth year', () => {
    expect(likelyDuplicates({ name: 'Familien Berg', members: kids(['oliver', '2012']) }, known)).toEqual([{ id: 'b', name: 'Familien Jensen', reason: 'child' }]);
  });

  it('does not warn for the same first name born another year, or a different name', () => {
    expect(likelyDuplicates({ name: 'Familien Berg', members: kids(['Oliver', '2013']) }, known)).toEqual([]);
    expect(likelyDuplicates({ name: 'Familien Jensenius', members: [] }, known)).toEqual([]);
  });

  it('says nothing for an empty or one-letter name without children', () => {
    expect(likelyDuplicates({ name: '', members: [] }, known)).toEqual([]);
    expect(likelyDuplicates({ name: 'J', members: [] }, known)).toEqual([]);
  });

  it('ignores a child without birth year (cannot tell)', () => {
    expect(likelyDuplicates({ name: 'Familien Berg', members: kids(['Emma', '']) }, known)).toEqual([]);
  });

  it('returns at most the limit', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `x${i}`, name: 'Familien Jensen' }));
    expect(likelyDuplicates({ name: 'Jensen', members: [] }, many, 5)).toHaveLength(5);
  });
});

describe('checkNewFamily', () => {
  const year = 2026;
  it('accepts a family with two adults and two children, trimmed', () => {
    const r = checkNewFamily(' Familien Jensen ', [
      { kind: 'adult', name: ' Maria  Jensen ', relation: 'mor', birthYear: '' },
      { kind: 'adult', name: 'Peter Jensen', relation: 'plejefar', birthYear: '1984' },
      ...kids(['Emma', '2015'], ['Oliver', '2019'])
    ], year);
    expect(isProblem(r)).toBe(false);
    if (isProblem(r)) return;
    expect(r.name).toBe('Familien Jensen');
    expect(r.members[0]).toEqual({ kind: 'adult', name: 'Maria Jensen', relation: 'mor', birthYear: '' });
    expect(r.members[3]).toEqual({ kind: 'child', name: 'Oliver', relation: 'barn', birthYear: '2019' });
  });
  it('takes no members at all', () => {
    expect(checkNewFamily('Familien Jensen', undefined, year)).toEqual({ name: 'Familien Jensen', members: [] });
  });
  it('refuses a child without a plausible birth year', () => {
    expect(checkNewFamily('Familien J', kids(['Emma', '']), year)).toEqual({ code: 'invalid_member', index: 0, field: 'birthYear' });
    expect(checkNewFamily('Familien J', kids(['Emma', '2027']), year)).toEqual({ code: 'invalid_member', index: 0, field: 'birthYear' });
    expect(checkNewFamily('Familien J', kids(['Emma', '1990']), year)).toEqual({ code: 'invalid_member', index: 0, field: 'birthYear' });
  });
  it('refuses bad shapes with the index of the member', () => {
    expect(checkNewFamily('Familien J', 'x', year)).toMatchObject({ code: 'invalid_member' });
    expect(checkNewFamily('Familien J', [null], year)).toEqual({ code: 'invalid_member', index: 0, field: 'kind' });
    expect(checkNewFamily('Familien J', [{ kind: 'adult', name: '', relation: 'mor' }], year)).toEqual({ code: 'invalid_member', index: 0, field: 'name' });
    expect(checkNewFamily('Familien J', [{ kind: 'adult', name: 'A', relation: '' }], year)).toEqual({ code: 'invalid_member', index: 0, field: 'relation' });
    expect(checkNewFamily('Familien J', [{ kind: 'pet', name: 'A' }], year)).toEqual({ code: 'invalid_member', index: 0, field: 'kind' });
    expect(checkNewFamily('Familien J', Array.from({ length: 21 }, () => ({ kind: 'adult', name: 'A', relation: 'mor' })), year)).toEqual({ code: 'too_many_members' });
    expect(checkNewFamily('J', [], year)).toEqual({ code: 'invalid_family_name' });
    expect(checkNewFamily(42, [], year)).toEqual({ code: 'invalid_family_name' });
  });
});

describe('childrenOf', () => {
  it('takes members with a child relation or a recent birth year, never an adult relation', () => {
    const members = [
      { name: 'Maria', relation: 'mor', birthYear: '2003' },
      { name: 'Emma', relation: 'barn', birthYear: '2015' },
      { name: 'Oliver', relation: 'søn', birthYear: '1999' },
      { name: 'Ida', relation: 'lillesøster', birthYear: '2018' },
      { name: 'Mormor', relation: 'mormor', birthYear: '1950' },
      { name: 'Uden år', relation: 'barn', birthYear: '' }
    ];
    expect(childrenOf(members, 2026)).toEqual([
      { name: 'Emma', birthYear: '2015' },
      { name: 'Oliver', birthYear: '1999' },
      { name: 'Ida', birthYear: '2018' }
    ]);
  });
});
