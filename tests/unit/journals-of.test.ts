// journalsOf: the journal links of a family's pages come from the parts a user may open, the plan left out.
import { describe, expect, it } from 'vitest';
import { journalsOf } from '../../src/lib/shared/rooms.ts';

describe('journalsOf', () => {
  it('keeps every sector journal with its access, in order, and drops the plan', () => {
    expect(
      journalsOf([
        { part: 'plan', access: 'write' },
        { part: 'social', access: 'read' },
        { part: 'school', access: 'write' }
      ])
    ).toEqual([
      { part: 'social', access: 'read' },
      { part: 'school', access: 'write' }
    ]);
  });

  it('is empty when only the plan (or nothing) may be opened', () => {
    expect(journalsOf([{ part: 'plan', access: 'read' }])).toEqual([]);
    expect(journalsOf([])).toEqual([]);
  });
});
