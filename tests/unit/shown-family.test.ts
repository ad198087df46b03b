// Which family a family member's pages show (shown-family.ts): the one the
// address names, else the member's first; the server's list once it has
// answered, the device's index until then.
import { describe, expect, it } from 'vitest';
import type { CitizenFamily } from '../../src/lib/shared/family-types.ts';
import { shownFamily } from '../../src/lib/ui/shown-family.ts';

const family = (familyId: string, name: string, memberName: string): CitizenFamily => ({ familyId, name, memberName, relation: 'mor', tovholder: null });
const mine = [family('gel-02-nielsen', 'Familien Nielsen', 'Maria Nielsen'), family('vib-07-berg', 'Familien Berg', 'Maria B.')];
const indexed = [{ id: 'gel-02-nielsen', name: 'Familien Nielsen' }];

describe('shownFamily', () => {
  it('shows the family the address names, with the member’s own entry for it', () => {
    const shown = shownFamily('vib-07-berg', mine, indexed);
    expect(shown.familyId).toBe('vib-07-berg');
    expect(shown.info?.memberName).toBe('Maria B.');
    expect(shown.families.map((f) => f.id)).toEqual(['gel-02-nielsen', 'vib-07-berg']);
  });

  it('without a family in the address (or an empty one) shows the member’s first', () => {
    for (const named of [null, '']) {
      const shown = shownFamily(named, mine, indexed);
      expect(shown.familyId).toBe('gel-02-nielsen');
      expect(shown.info?.memberName).toBe('Maria Nielsen');
    }
  });

  it('until the server answers (or offline) goes by the device’s index, without the member’s entry', () => {
    const shown = shownFamily(null, null, indexed);
    expect(shown).toEqual({ families: indexed, familyId: 'gel-02-nielsen', info: null, known: true });
  });

  it('says whether no family means none, or none read yet', () => {
    expect(shownFamily(null, null, [])).toMatchObject({ familyId: '', known: false });
    expect(shownFamily(null, [], [])).toMatchObject({ familyId: '', known: true });
  });
});
