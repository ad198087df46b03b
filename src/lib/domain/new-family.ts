// A new family as a worker opens it (issue 14): its name, its members — adults
// with their relation (mor, far, plejemor …) and children with first name and
// birth year, so that two "Familien Jensen" can be told apart — and who
// becomes tovholder. One check for the form and the server
// (`checkNewFamily`), and the duplicate warning the form shows from the
// device's own caseload (`likelyDuplicates`): a worker is only ever warned
// about families she may already see.

/** Relations the form offers for an adult; the family's own word is kept when it is another. */
export const ADULT_RELATIONS = ['mor', 'far', 'plejemor', 'plejefar', 'bonusmor', 'bonusfar', 'værge', 'anden'] as const;

export const MAX_MEMBERS = 20;
/** the oldest birth year a child's record takes (a young adult still in the family's plan) */
const CHILD_MAX_AGE = 25;

export interface NewMember {
  kind: 'adult' | 'child';
  /** an adult's full name or a child's first name */
  name: string;
  /** mor, far … for adults; 'barn' for children */
  relation: string;
  /** yyyy for children, '' when not known (adults) */
  birthYear: string;
}

export type NewFamilyProblem =
  | { code: 'invalid_member'; index: number; field: 'name' | 'relation' | 'birthYear' | 'kind' }
  | { code: 'too_many_members' }
  | { code: 'invalid_family_name' };

/** The input's members cleaned (trimmed) and checked; the first problem found, if any. */
export function checkNewFamily(name: unknown, members: unknown, thisYear: number): { name: string; members: NewMember[] } | NewFamilyProblem {
  const familyName = typeof name === 'string' ? name.trim() : '';
  if (familyName.length < 2 || familyName.length > 120) return { code: 'invalid_family_name' };
  if (members === undefined || members === null) return { name: familyName, members: [] };
  if (!Array.isArray(members)) return { code: 'invalid_member', index: 0, field: 'kind' };
  if (members.length > MAX_MEMBERS) return { code: 'too_many_members' };
  const out: NewMember[] = [];
  for (const [index, raw] of members.entries()) {
    if (typeof raw !== 'object' || raw === null) return { code: 'invalid_member', index, field: 'kind' };
    const m = raw as Record<string, unknown>;
    if (m.kind !== 'adult' && m.kind !== 'child') return { code: 'invalid_member', index, field: 'kind' };
    const memberName = typeof m.name === 'string' ? m.name.trim().replace(/\s+/g, ' ') : '';
    if (memberName.length < 1 || memberName.length > 80) return { code: 'invalid_member', index, field: 'name' };
    const relation = m.kind === 'child' ? 'barn' : typeof m.relation === 'string' ? m.relation.trim() : '';
    if (relation.length < 1 || relation.length > 40) return { code: 'invalid_member', index, field: 'relation' };
    const birthYear = typeof m.birthYear === 'string' ? m.birthYear.trim() : typeof m.birthYear === 'number' ? String(m.birthYear) : '';
    if (m.kind === 'child') {
      // A child is told apart by first name and birth year: the year is required.
      const y = /^\d{4}$/.test(birthYear) ? Number(birthYear) : NaN;
      if (!(y >= thisYear - CHILD_MAX_AGE && y <= thisYear)) return { code: 'invalid_member', index, field: 'birthYear' };
    } else if (birthYear !== '' && !/^(19|20)\d{2}$/.test(birthYear)) {
      return { code: 'invalid_member', index, field: 'birthYear' };
    }
    out.push({ kind: m.kind, name: memberName, relation, birthYear });
  }
  return { name: familyName, members: out };
}

export function isProblem(x: ReturnType<typeof checkNewFamily>): x is NewFamilyProblem {
  return 'code' in x;
}

/** What the caseload knows of a family for the duplicate check. */
export interface KnownFamily {
  id: string;
  name: string;
  /** the plan's children (first name, birth year) when the device has read the plan */
  children?: readonly { name: string; birthYear: string }[];
}

export interface DuplicateHint {
  id: string;
  name: string;
  /** 'name': the same family name; 'child': a child with the same first name and birth year */
  reason: 'name' | 'child' | 'name-and-child';
}

/** "Familien Jensen", "jensen", " JENSEN " → "jensen"; Danish letters kept, accents folded. */
export function familyKey(name: string): string {
  return name
    .toLocaleLowerCase('da')
    .normalize('NFKD')
    // keep æ, ø, å (NFKD leaves them), drop combining accents (é → e)
    .replace(/[\u0300-\u0309\u030b-\u036f]/g, '')
    .replace(/\bfamilie(n|rne)?\b/g, ' ')
    .replace(/[^a-z0-9æøå\u030a]+/g, ' ')
    .trim()
    .normalize('NFC');
}

const firstName = (name: string) => familyKey(name).split(' ')[0] ?? '';

const CHILD_RELATIONS = new Set(['barn', 'søn', 'datter', 'plejebarn', 'bonusbarn', 'plejesøn', 'plejedatter']);

/** A plan's children as the duplicate check knows them: a child's relation, or (not an adult's relation) born within the last 25 years. */
export function childrenOf(members: readonly { name: string; relation: string; birthYear: string }[], thisYear: number): { name: string; birthYear: string }[] {
  const adults: ReadonlySet<string> = new Set(ADULT_RELATIONS);
  return members
    .filter((m) => {
      const relation = m.relation.trim().toLocaleLowerCase('da');
      if (!/^\d{4}$/.test(m.birthYear) || adults.has(relation)) return false;
      return CHILD_RELATIONS.has(relation) || Number(m.birthYear) >= thisYear - CHILD_MAX_AGE;
    })
    .map((m) => ({ name: m.name, birthYear: m.birthYear }));
}

/**
 * Families in the caseload that are likely the one being opened: the same
 * family name, or a child with the same first name born the same year (a
 * family known under another surname). Most likely first; at most `limit`.
 */
export function likelyDuplicates(
  candidate: { name: string; members: readonly Pick<NewMember, 'kind' | 'name' | 'birthYear'>[] },
  known: readonly KnownFamily[],
  limit = 5
): DuplicateHint[] {
  const key = familyKey(candidate.name);
  const kids = candidate.members
    .filter((m) => m.kind === 'child' && m.name.trim() !== '' && /^\d{4}$/.test(m.birthYear))
    .map((m) => `${firstName(m.name)}/${m.birthYear}`);
  if (key.length < 2 && kids.length === 0) return [];
  const hits: DuplicateHint[] = [];
  for (const f of known) {
    const sameName = key.length >= 2 && familyKey(f.name) === key;
    const sameChild = kids.length > 0 && (f.children ?? []).some((c) => kids.includes(`${firstName(c.name)}/${c.birthYear}`));
    if (sameName || sameChild) hits.push({ id: f.id, name: f.name, reason: sameName && sameChild ? 'name-and-child' : sameName ? 'name' : 'child' });
  }
  const rank = { 'name-and-child': 0, child: 1, name: 2 } as const;
  return hits.sort((a, b) => rank[a.reason] - rank[b.reason] || a.name.localeCompare(b.name, 'da')).slice(0, limit);
}
