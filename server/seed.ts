// Deterministic demo data (DEMO=1): the teams and users of DESIGN §4 and 22
// fictional families per team whose consents differ, so every access rule is
// visible. The same seed always yields the same families, ids and texts;
// dates are relative to the day the seed runs, so "overdue" stays meaningful.
import * as Y from 'yjs';
import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';
import { subDays } from 'date-fns/subDays';
import { subMonths } from 'date-fns/subMonths';
import type { Part, Sector } from '../src/lib/shared/rooms.ts';
import { roomName } from '../src/lib/shared/rooms.ts';
import type { Consent } from '../src/lib/shared/api-types.ts';
import {
  addAction,
  addDecision,
  addFeedback,
  addGoal,
  addHope,
  addMeeting,
  addMember,
  addNetworkParty,
  decisionToAction,
  newPlanDoc,
  setTovholder,
  type ActionStatus,
  type InterventionLevel
} from '../src/lib/domain/plan.ts';
import { addEntry, type EntryKind } from '../src/lib/domain/journal.ts';
import { ORIGIN_SEED } from '../src/lib/domain/origins.ts';
import { copenhagenDay } from '../src/lib/domain/today.ts';
import { hashPassword } from './auth.ts';
import type { Consents, Families, FamilyLinks, FamilyRow, Identity, Lifecycle, RoomLog, UserRow } from './store/types.ts';
import { addNote } from '../src/lib/domain/family.ts';
import { mulberry32 } from '../src/lib/shared/prng.ts';

// Each team covers a few skoledistrikter named after their schools, as in
// Aarhus; the first is the team's own (the seeded families live there).
export const DEMO_TEAMS = [
  { id: 'gellerup', name: 'Gellerup', district: 'Gellerup', cluster: 'Vest', districts: ['Gellerup', 'Tovshøj', 'Ellekær', 'Skjoldhøj', 'Sødalen'] },
  { id: 'viby', name: 'Viby', district: 'Viby', cluster: 'Syd', districts: ['Viby', 'Rosenvang', 'Rundhøj', 'Kragelund', 'Søndervang'] },
  // Pædagogisk Psykologisk Rådgivning for the south: specialists called in to families of other teams; no families of its own.
  { id: 'ppr-syd', name: 'PPR Syd', district: 'Viby', cluster: 'Syd', districts: ['Viby'] }
];

export const DEMO_USERS: Omit<UserRow, 'passwordHash' | 'active'>[] = [
  { id: 'u-anna', username: 'anna', name: 'Anna Holm', role: 'worker', sector: 'social', teamIds: ['gellerup'] },
  { id: 'u-bo', username: 'bo', name: 'Bo Lindqvist', role: 'worker', sector: 'school', teamIds: ['gellerup'] },
  { id: 'u-cecilie', username: 'cecilie', name: 'Cecilie Dam', role: 'worker', sector: 'health', teamIds: ['gellerup'] },
  { id: 'u-dennis', username: 'dennis', name: 'Dennis Vang', role: 'worker', sector: 'employment', teamIds: ['gellerup'] },
  { id: 'u-frida', username: 'frida', name: 'Frida Krogh', role: 'worker', sector: 'social', teamIds: ['viby'] },
  { id: 'u-eva', username: 'eva', name: 'Eva Mikkelsen', role: 'leader', sector: null, teamIds: ['gellerup', 'viby'] },
  { id: 'u-admin', username: 'admin', name: 'Administrator', role: 'admin', sector: null, teamIds: [] },
  { id: 'u-gitte', username: 'gitte', name: 'Gitte Brandt', role: 'worker', sector: 'school', teamIds: ['ppr-syd'] },
  // A mother with her own sign-in (DESIGN §12), linked to one Gellerup family (DEMO_FAMILY_LINK).
  { id: 'u-maria', username: 'maria', name: 'Maria Nielsen', role: 'citizen', sector: null, teamIds: [] }
];

/** The Gellerup family PPR-psykolog `gitte` is called in to (DESIGN §4), and what her grant covers. */
/** maria's accepted invitation (DESIGN §4): the family whose plan she sees on her phone. */
export const DEMO_FAMILY_LINK = { familyId: 'gel-02-nielsen', userId: 'u-maria', memberName: 'Maria Nielsen', relation: 'mor' };

export const DEMO_GRANT = { familyPrefix: 'gel-02', userId: 'u-gitte', parts: ['plan', 'school'] as Part[], months: 3 };

const SURNAMES = [
  'Hansen', 'Ahmed', 'Nielsen', 'Yilmaz', 'Jensen', 'Hussein', 'Pedersen', 'Ali', 'Andersen', 'Mohamud',
  'Christensen', 'Kaya', 'Larsen', 'Nguyen', 'Sørensen', 'Abdi', 'Rasmussen', 'Haddad', 'Jørgensen', 'Petersen',
  'Madsen', 'Omar', 'Kristensen', 'Demir', 'Olsen', 'Farah', 'Thomsen', 'Osman', 'Poulsen', 'Johansen',
  'Møller', 'Said', 'Mortensen', 'Rahimi', 'Knudsen', 'Karimi', 'Jakobsen', 'Celik', 'Mikkelsen', 'Ibrahim',
  'Frederiksen', 'Hassan', 'Laursen', 'Aziz'
];

const HOPES: [string, string][] = [
  ['At vi kan spise aftensmad sammen uden at det ender i skænderi.', 'mor'],
  ['Jeg vil gerne have en rigtig ven i klassen.', 'barnet'],
  ['At far får et arbejde, så vi ikke skal tænke på penge hele tiden.', 'mor'],
  ['Jeg drømmer om at spille fodbold på et hold igen.', 'barnet'],
  ['Vi vil gerne blive boende i lejligheden og have ro.', 'far'],
  ['At min søn kommer i skole hver dag og er glad for det.', 'far'],
  ['Jeg vil have mit eget værelse og sove en hel nat.', 'barnet'],
  ['At mormor kan blive mere en del af børnenes hverdag.', 'mor']
];

const GOALS = [
  'Fast rytme omkring morgen og sengetid',
  'Fremmøde i skolen over 90 %',
  'Far i praktik eller job inden sommer',
  'En fritidsaktivitet hver uge',
  'Mindre konflikt ved måltiderne',
  'Bedre søvn for barnet'
];

const ACTIONS: { title: string; sector: Sector; level: InterventionLevel }[] = [
  { title: 'Samtale med familien om morgenrutiner', sector: 'social', level: 'raad' },
  { title: 'Ugentlig opfølgning på fremmøde', sector: 'school', level: 'forebyggende' },
  { title: 'Sundhedsplejerske besøger hjemmet', sector: 'health', level: 'forebyggende' },
  { title: 'Afklaringsforløb og CV-værksted', sector: 'employment', level: 'raad' },
  { title: 'Familiebehandling hver anden uge', sector: 'social', level: 'stoettende' },
  { title: 'Elevsamtale med AKT-lærer', sector: 'school', level: 'raad' },
  { title: 'Søvnvejledning til forældrene', sector: 'health', level: 'raad' },
  { title: 'Kontaktperson til den ældste', sector: 'social', level: 'stoettende' },
  { title: 'Praktikplads i lokal virksomhed', sector: 'employment', level: 'forebyggende' },
  { title: 'Netværksmøde med bedsteforældre', sector: 'social', level: 'forebyggende' }
];

const MEMBERS: [string, string, number][] = [
  ['Mor', 'mor', 1986],
  ['Far', 'far', 1983],
  ['Ældste barn', 'barn', 2012],
  ['Yngste barn', 'barn', 2017]
];

const NETWORK: [string, string, string][] = [
  ['Mormor', 'mormor', 'Bor i Brabrand, ringer hver søndag'],
  ['Fodboldtræneren', 'træner', 'Via klubbens app'],
  ['Klasselæreren', 'skolekontakt', 'Via AULA'],
  ['Onkel Karim', 'onkel', 'Hjælper med lektier om torsdagen']
];

const FEEDBACK: [number, string][] = [
  [4, 'Det hjælper, at vi kun skal fortælle tingene én gang.'],
  [3, 'Vi ved ikke altid, hvem vi skal ringe til.'],
  [5, 'Vi føler os hørt, og planen er vores egen.'],
  [2, 'Der er for mange møder lige nu.']
];

const JOURNAL: Record<Sector, [EntryKind, string][]> = {
  social: [
    ['note', 'Telefonsamtale med mor om morgenrutinerne. Det går bedre de fleste dage.'],
    ['underretning', 'Underretning fra skolen om bekymrende fravær modtaget og vurderet inden for 24 timer.'],
    ['samtale', 'Hjemmebesøg. Far deltog og fortalte om jobsøgningen.']
  ],
  school: [
    ['fravaer', 'Fravær tre dage i træk uden besked. Forældrene kontaktet.'],
    ['samtale', 'Elevsamtale om trivsel i klassen og frikvartererne.'],
    ['note', 'Aftalt lektiestøtte i lektiecaféen om tirsdagen.']
  ],
  health: [
    ['samtale', 'Hjemmebesøg. Vi talte om søvn og aftensrutiner.'],
    ['note', 'Henvist til egen læge vedrørende astma.']
  ],
  employment: [
    ['samtale', 'Jobsamtale. Ønsker praktik inden for lager og logistik.'],
    ['note', 'CV gennemgået og sendt til to virksomheder.']
  ]
};

const STATUSES: ActionStatus[] = ['aaben', 'igang', 'udfoert', 'aaben', 'igang'];


function slug(s: string) {
  return s
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// Calendar days in Denmark, as the figures read them, whatever the server's TZ.
const day = (d: Date) => copenhagenDay(d);

type ConsentShape = { categories: Part[]; recipients: Sector[]; from: Date; until: Date; revoked?: Date } | null;

/** Five consent situations in turn, so each access rule shows in the demo. */
function consentFor(i: number, now: Date, team: string): { opener: Sector; consent: ConsentShape } {
  if (team === 'viby') {
    return { opener: 'social', consent: i % 3 === 0 ? null : { categories: ['plan'], recipients: ['school', 'health'], from: subMonths(now, 2), until: addMonths(now, 10) } };
  }
  switch (i % 5) {
    case 0: // no consent: the case-owning sector alone
      return { opener: 'social', consent: null };
    case 1: // the whole team sees the plan; school and health may read the social journal
      return { opener: 'social', consent: { categories: ['plan', 'social'], recipients: ['school', 'health', 'employment'], from: subMonths(now, 3), until: addMonths(now, 9) } };
    case 2: // opened by school; social sees the plan and reads the school journal
      return { opener: 'school', consent: { categories: ['plan', 'school'], recipients: ['social', 'health'], from: subMonths(now, 6), until: addMonths(now, 6) } };
    case 3: // consent expiring within 30 days
      return { opener: 'social', consent: { categories: ['plan'], recipients: ['school', 'health', 'employment'], from: subMonths(now, 12), until: addDays(now, 12 + (i % 10)) } };
    default: // consent withdrawn by the family
      return { opener: 'social', consent: { categories: ['plan', 'health'], recipients: ['school', 'health'], from: subMonths(now, 8), until: addMonths(now, 4), revoked: subDays(now, 20) } };
  }
}

export async function seedDemo(
  store: Identity & Families & Consents & Pick<Lifecycle, 'insertGrant'> & Pick<RoomLog, 'appendUpdates'> & Pick<FamilyLinks, 'insertInvitation' | 'acceptInvitation'>,
  now: Date
) {
  for (const { districts, ...t } of DEMO_TEAMS) {
    for (const name of districts) await store.upsertDistrict({ name, cluster: t.cluster });
    await store.saveTeam(t, districts);
  }
  const hash = await hashPassword('demo');
  // `sub` at the demo's local identity provider is the username (server/identity/local-idp.ts).
  for (const u of DEMO_USERS) await store.upsertUser({ ...u, passwordHash: hash, active: true, issuer: 'local', subject: u.username, email: null });
  const workersOf = (team: string) => DEMO_USERS.filter((u) => u.role === 'worker' && u.teamIds.includes(team));

  let n = 0;
  for (const team of DEMO_TEAMS) {
    const random = mulberry32(team.id === 'gellerup' ? 1 : 2);
    if (team.id === 'ppr-syd') continue;
    for (let i = 0; i < 22; i++, n++) {
      const surname = SURNAMES[(i * 2 + (team.id === 'viby' ? 1 : 0)) % SURNAMES.length];
      const id = `${team.id.slice(0, 3)}-${String(i + 1).padStart(2, '0')}-${slug(surname)}`;
      const { opener, consent } = consentFor(i, now, team.id);
      // Opened 4–18 months ago, and before anything the seed dates in the past: a consent's start
      // (up to 12 months back), goals' target dates (up to 3), the last meeting and feedback (weeks).
      const opened = subMonths(now, 4 + Math.floor(random() * 15));
      const createdAt = consent && consent.from < opened ? subDays(consent.from, 7) : opened;
      const owner = workersOf(team.id).find((u) => u.sector === opener) ?? workersOf(team.id)[0];
      const family: FamilyRow = {
        id,
        name: `Familien ${surname}`,
        district: team.district,
        teamId: team.id,
        openedBySector: opener,
        status: i === 21 ? 'afsluttet' : 'aktiv',
        createdAt: createdAt.toISOString(),
        createdBy: owner.id
      };
      await store.insertFamily(family);
      if (consent) {
        const c: Consent = {
          id: `c-${id}`,
          familyId: id,
          givenBy: random() < 0.5 ? 'Mor' : 'Far',
          categories: consent.categories,
          recipients: consent.recipients,
          purpose: 'Samarbejde om familiens plan på tværs af fagområder',
          validFrom: consent.from.toISOString(),
          validUntil: consent.until.toISOString(),
          method: i % 2 === 0 ? 'paper' : 'oral',
          signature: null,
          reference: i % 2 === 0 ? 'Papirsamtykke journaliseret i sagen' : 'Mundtligt samtykke ved hjemmebesøg, noteret af rådgiver',
          renewsId: null,
          recordedBy: owner.id,
          recordedAt: consent.from.toISOString(),
          revokedAt: consent.revoked ? consent.revoked.toISOString() : null,
          revokedBy: consent.revoked ? owner.id : null
        };
        await store.insertConsent(c);
      }

      // The plan document.
      const doc = newPlanDoc({ name: family.name, district: family.district, teamId: team.id, status: family.status }, 1000 + n); // deterministic updates
      if (i % 7 !== 6) {
        setTovholder(
          doc,
          { id: `t0-${id}`.slice(0, 14), userId: owner.id, name: owner.name, since: day(createdAt), note: '', setBy: owner.id, setAt: createdAt.toISOString() },
          ORIGIN_SEED
        );
      }
      const hopeIds: string[] = [];
      for (let h = 0; h < 2; h++) {
        const [text, saidBy] = HOPES[(i + h * 3) % HOPES.length];
        hopeIds.push(addHope(doc, { id: `h${h}-${id}`.slice(0, 14), text, saidBy, createdAt: createdAt.toISOString() }, ORIGIN_SEED));
      }
      const goalIds: string[] = [];
      const goalCount = 1 + Math.floor(random() * 3);
      for (let g = 0; g < goalCount; g++) {
        goalIds.push(
          addGoal(
            doc,
            {
              id: `g${g}-${id}`.slice(0, 14),
              title: GOALS[(i + g) % GOALS.length],
              hopeId: hopeIds[g % hopeIds.length],
              // The first goal of most families had its target date already, with each outcome in turn.
              ...(g === 0 && i % 3 !== 0
                ? { targetDate: day(subMonths(now, i % 4)), status: (['naaet', 'delvist', 'aaben', 'droppet'] as const)[i % 4] }
                : { targetDate: day(addMonths(now, 2 + g)) }),
              createdAt: createdAt.toISOString()
            },
            ORIGIN_SEED
          )
        );
      }
      const actionCount = 3 + Math.floor(random() * 5);
      for (let a = 0; a < actionCount; a++) {
        const spec = ACTIONS[(i + a) % ACTIONS.length];
        const worker = workersOf(team.id).find((u) => u.sector === spec.sector);
        addAction(
          doc,
          {
            id: `a${a}-${id}`.slice(0, 14),
            title: spec.title,
            goalId: goalIds[a % goalIds.length],
            sector: spec.sector,
            ownerId: worker?.id ?? null,
            ownerName: worker?.name ?? '',
            due: day(addDays(now, Math.floor(random() * 40) - 12)),
            status: STATUSES[(i + a) % STATUSES.length],
            // Some levels were never chosen: the overview shows them as "ikke angivet".
            level: (i + a) % 5 === 4 ? null : spec.level,
            createdAt: createdAt.toISOString(),
            createdBy: owner.id
          },
          ORIGIN_SEED
        );
      }
      for (let m = 0; m < 2 + (i % 3); m++) {
        const [name, relation, year] = MEMBERS[m % MEMBERS.length];
        addMember(doc, { id: `m${m}-${id}`.slice(0, 14), name, relation, birthYear: String(year), createdAt: createdAt.toISOString() }, ORIGIN_SEED);
      }
      for (let k = 0; k < 1 + (i % 2); k++) {
        const [name, relation, contact] = NETWORK[(i + k) % NETWORK.length];
        addNetworkParty(doc, { id: `n${k}-${id}`.slice(0, 14), name, relation, contact, createdAt: createdAt.toISOString() }, ORIGIN_SEED);
      }
      // A past network meeting whose first decision became an action, and (for most) the next one planned.
      const owners = workersOf(team.id);
      const pastMeeting = addMeeting(
        doc,
        {
          id: `mt0-${id}`.slice(0, 14),
          date: day(subDays(now, 10 + (i % 20))),
          title: 'Netværksmøde',
          participants: ['Familien', ...owners.slice(0, 2 + (i % 3)).map((u) => u.name)],
          notes: 'Familien fortalte om hverdagen. Vi aftalte at starte med det, familien selv peger på.',
          createdAt: createdAt.toISOString(),
          createdBy: owner.id
        },
        ORIGIN_SEED
      );
      const decision = addDecision(doc, pastMeeting, { id: `d0-${id}`.slice(0, 14), text: 'Mormor inviteres med til næste møde', createdAt: createdAt.toISOString() }, ORIGIN_SEED);
      addDecision(doc, pastMeeting, { id: `d1-${id}`.slice(0, 14), text: 'Vi følger op på søvn om en måned', createdAt: createdAt.toISOString() }, ORIGIN_SEED);
      if (decision && i % 2 === 0) {
        decisionToAction(
          doc,
          pastMeeting,
          decision,
          {
            id: `ad-${id}`.slice(0, 14),
            title: 'Invitér mormor til næste møde',
            party: 'Mormor',
            ownerId: owner.id,
            ownerName: owner.name,
            due: day(addDays(now, 5 + (i % 9))),
            status: 'aaben',
            level: 'raad',
            createdAt: createdAt.toISOString(),
            createdBy: owner.id
          },
          ORIGIN_SEED
        );
      }
      if (i % 4 !== 3) {
        addMeeting(
          doc,
          {
            id: `mt1-${id}`.slice(0, 14),
            date: day(addDays(now, 3 + (i % 25))),
            title: 'Opfølgningsmøde',
            participants: ['Familien', owner.name],
            createdAt: createdAt.toISOString(),
            createdBy: owner.id
          },
          ORIGIN_SEED
        );
      }
      if (i % 3 !== 2) {
        const [score, comment] = FEEDBACK[i % FEEDBACK.length];
        addFeedback(
          doc,
          { id: `fb-${id}`.slice(0, 14), date: day(subDays(now, 5 + (i % 30))), who: i % 2 ? 'Mor' : 'Far', score, comment, createdAt: createdAt.toISOString(), createdBy: owner.id },
          ORIGIN_SEED
        );
      }
      await store.appendUpdates([{ room: roomName(id, 'plan'), author: 'seed', at: createdAt.toISOString(), data: Y.encodeStateAsUpdate(doc) }]);

      // The opening sector's journal: a first conversation and later entries of several kinds.
      const journal = new Y.Doc();
      journal.clientID = 5000 + n;
      addEntry(
        journal,
        {
          id: `e0-${id}`.slice(0, 14),
          date: day(createdAt),
          kind: 'samtale',
          text: 'Første samtale med familien. Familien ønsker selv hjælp og deltager aktivt.',
          authorId: owner.id,
          authorName: owner.name,
          createdAt: createdAt.toISOString()
        },
        ORIGIN_SEED
      );
      JOURNAL[opener].forEach(([kind, text], k) => {
        const at = subDays(now, 3 + ((i + k * 11) % 25));
        if (at <= createdAt) return;
        addEntry(
          journal,
          { id: `e${k + 1}-${id}`.slice(0, 14), date: day(at), kind, text, authorId: owner.id, authorName: owner.name, createdAt: at.toISOString() },
          ORIGIN_SEED
        );
      });
      await store.appendUpdates([{ room: roomName(id, opener), author: 'seed', at: createdAt.toISOString(), data: Y.encodeStateAsUpdate(journal) }]);
      // Where the school is part of the family's life but did not open the case, its own journal has absence records.
      const teacher = workersOf(team.id).find((u) => u.sector === 'school');
      if (opener !== 'school' && teacher && i % 5 === 1) {
        const school = new Y.Doc();
        school.clientID = 7000 + n;
        const at = subDays(now, 4 + (i % 9));
        addEntry(
          school,
          { id: `s0-${id}`.slice(0, 14), date: day(at), kind: 'fravaer', text: 'Ulovligt fravær to dage. Forældrene er kontaktet via AULA.', authorId: teacher.id, authorName: teacher.name, createdAt: at.toISOString() },
          ORIGIN_SEED
        );
        await store.appendUpdates([{ room: roomName(id, 'school'), author: 'seed', at: at.toISOString(), data: Y.encodeStateAsUpdate(school) }]);
      }
      if (id.startsWith(`${DEMO_GRANT.familyPrefix}-`)) {
        // The consent of this family names the school sector, so gitte's grant gives access (DESIGN §6 rule 6).
        await store.insertGrant({
          id: `g-${id}`,
          familyId: id,
          userId: DEMO_GRANT.userId,
          parts: DEMO_GRANT.parts,
          purpose: 'PPR-vurdering af det ældste barns trivsel og læring',
          validFrom: subDays(now, 14).toISOString(),
          validUntil: addMonths(now, DEMO_GRANT.months).toISOString(),
          grantedBy: owner.id,
          grantedAt: subDays(now, 14).toISOString(),
          endedAt: null,
          endedBy: null,
          renewsId: null
        });
      }
    }
  }

  // maria's link (an invitation she accepted a month ago) and a wish in the family's own room.
  const link = DEMO_FAMILY_LINK;
  const invitedAt = subMonths(now, 1);
  await store.insertInvitation({
    id: `inv-${link.familyId}`,
    familyId: link.familyId,
    // The code itself was handed over and used; only a hash is ever kept.
    codeHash: `seed-${link.familyId}`,
    memberName: link.memberName,
    relation: link.relation,
    invitedBy: 'u-anna',
    createdAt: invitedAt.toISOString(),
    expiresAt: addDays(invitedAt, 14).toISOString(),
    usedAt: null,
    usedBy: null,
    revokedAt: null,
    revokedBy: null
  });
  await store.acceptInvitation(`seed-${link.familyId}`, link.userId, addDays(invitedAt, 2).toISOString(), `l-${link.familyId}`);
  const own = new Y.Doc();
  own.clientID = 9000;
  addNote(own, { id: `n0-${link.familyId}`.slice(0, 14), kind: 'hope', text: 'Vi vil gerne have mere ro om morgenen, så Sara kommer glad i skole.', by: 'Maria (mor)', score: null, createdAt: addDays(invitedAt, 2).toISOString() }, ORIGIN_SEED);
  await store.appendUpdates([{ room: roomName(link.familyId, 'family'), author: link.userId, at: addDays(invitedAt, 2).toISOString(), data: Y.encodeStateAsUpdate(own) }]);
}
