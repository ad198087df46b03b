// Who made an underretning is never visible outside the social sector, whatever
// a consent says (DESIGN §5, issue #14): the journal document a consenting
// reader receives carries no author for an underretning, and the reporter the
// social worker names is kept on the server and given to the social sector only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { roomName } from '../../src/lib/shared/rooms.ts';
import { readEntries } from '../../src/lib/domain/journal.ts';
import { TestServer, waitFor } from './helpers.ts';

let server: TestServer;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  server = await TestServer.start();
  for (const u of ['anna', 'bo', 'cecilie', 'frida']) cookies[u] = await server.login(u);
});
afterEach(() => server.clients.closeAll());
afterAll(() => server?.stop());

describe('underretning reporter', () => {
  it('is off the journal document and given by the server to the social sector only', async () => {
    const familyId = server.family('gel-07'); // consent plan + social -> school, health, employment
    const social = roomName(familyId, 'social');
    const b = server.provider(social, cookies.bo); // reads the social journal with consent
    await b.synced();
    await waitFor(() => readEntries(b.doc).some((e) => e.kind === 'underretning'), 5000, 'the seeded underretning');
    const underretning = readEntries(b.doc).find((e) => e.kind === 'underretning')!;
    expect(underretning.authorId).toBe('');
    expect(underretning.authorName).toBe('');
    const raw = JSON.stringify((b.doc.getMap('entries').get(underretning.id) as Y.Map<unknown>).toJSON());
    expect(raw).not.toContain('Anna');

    const put = (who: string, body: unknown, entry = underretning.id) =>
      server.api(`/api/families/${familyId}/underretninger/${entry}`, { cookie: cookies[who], method: 'PUT', body });
    expect((await put('anna', { reporter: '' })).json.error).toBe('underretning_reporter');
    expect((await put('anna', { reporter: 'Klasselæreren' }, 'bad id!')).status).toBe(400);
    const saved = await put('anna', { reporter: 'Klasselærer Jens, Gellerupskolen' });
    expect(saved.status).toBe(200);
    expect(saved.json.reporters[underretning.id]).toMatchObject({ reporter: 'Klasselærer Jens, Gellerupskolen', recordedByName: 'Anna Holm' });
    expect((await server.api(`/api/families/${familyId}/underretninger`, { cookie: cookies.anna })).json.reporters[underretning.id].reporter).toBe(
      'Klasselærer Jens, Gellerupskolen'
    );

    // Other sectors with consent to read the journal: refused, with the reason; another team: as if it did not exist.
    for (const who of ['bo', 'cecilie']) {
      const r = await server.api(`/api/families/${familyId}/underretninger`, { cookie: cookies[who] });
      expect(r.status).toBe(403);
      expect(r.json.error).toBe('underretning_social_only');
      expect(JSON.stringify(r.json)).not.toContain('Jens');
      expect((await put(who, { reporter: 'Forsøg' })).status).toBe(403);
    }
    expect((await server.api(`/api/families/${familyId}/underretninger`, { cookie: cookies.frida })).status).toBe(404);

    // The family's access log (shown to every worker with plan access) does not name the reporter either.
    const log = await server.api(`/api/families/${familyId}/access-log`, { cookie: cookies.bo });
    expect(JSON.stringify(log.json)).not.toContain('Jens');
  });
});
