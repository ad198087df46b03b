// A history change in words (src/lib/ui/history-text.ts): an item named by
// its calendar day (a feedback, a meeting without a title, a journal entry)
// reads with the day as text writes it, never "2026-11-29".
import { describe, expect, it } from 'vitest';
import { describeChange, labelText } from '../../src/lib/ui/history-text.ts';

describe('labelText', () => {
  it('writes the day of a feedback, a meeting without a title and a journal entry (with its kind by name)', () => {
    expect(labelText('feedback', 'Far 2026-11-29')).toBe('Far 29. nov. 2026');
    expect(labelText('meetings', '2026-12-08')).toBe('8. dec. 2026');
    expect(labelText('entries', 'samtale 2026-11-29')).toBe('Samtale 29. nov. 2026');
  });

  it('leaves a label that only looks like one as it is', () => {
    expect(labelText('meetings', 'Mødes 2026-13-40')).toBe('Mødes 2026-13-40');
    expect(labelText('goals', 'Møde med skolen 2026-12-08')).toBe('Møde med skolen 2026-12-08');
    expect(labelText('hopes', 'Vi vil gerne have ro')).toBe('Vi vil gerne have ro');
  });
});

describe('describeChange', () => {
  it('names an added feedback by who gave it and the day in words', () => {
    expect(describeChange({ kind: 'added', section: 'feedback', id: 'f1', label: 'Far 2026-11-29' })).toBe('tilføjede feedbacken »Far 29. nov. 2026«');
  });
});
