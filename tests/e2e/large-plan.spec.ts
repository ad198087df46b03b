// A large plan (40 goals, 200 actions, 30 meetings) on anna's tablet. The page
// puts the first screenful on screen first and the rest right after; a link
// to an action in the last goal (as "mine handlinger" makes) still lands on
// it; a second opening paints from the stored copy of the view and then works
// as usual: ticking an action off reaches her second tablet live, undo takes
// it back, and axe finds no serious violations on the whole plan.
import type { BrowserContext, Page } from '@playwright/test';
import { addAction, addDecision, addGoal, addHope, addMeeting } from '../../src/lib/domain/plan.ts';
import { test, expect, login, roomClient, startServer, type TestServer } from './fixtures.ts';
import { expectAxeClean } from './checks.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** Writes a large plan into the family's room from the test process, as anna's other devices would have over two years. */
async function writeLargePlan(context: BrowserContext, familyId: string): Promise<{ actions: string[]; goals: string[] }> {
  const { doc, close } = await roomClient(server, context, roomName(familyId, 'plan'));
  const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString();
  const hopes = [0, 1, 2, 3].map((h) => addHope(doc, { text: `Vores ønske nummer ${h + 1}: at hverdagen hænger sammen.`, saidBy: 'mor', createdAt: at(h) }));
  const goals: string[] = [];
  const actions: string[] = [];
  const sectors = ['social', 'school', 'health', 'employment'] as const;
  for (let g = 0; g < 40; g++) {
    goals.push(addGoal(doc, { title: `Mål ${g + 1}: fast rytme`, hopeId: hopes[g % 4], targetDate: day(60 + g), createdAt: at(10 + g) }));
    for (let a = 0; a < 5; a++) {
      const i = g * 5 + a;
      actions.push(
        addAction(doc, {
          title: `Handling ${i + 1}: samtale og opfølgning`,
          goalId: goals[g],
          sector: sectors[i % 4],
          ownerId: 'u-anna',
          ownerName: 'Anna Holm',
          due: day((i % 20) - 3),
          status: 'aaben',
          level: 'raad',
          createdAt: at(100 + i),
          createdBy: 'u-anna'
        })
      );
    }
  }
  for (let m = 0; m < 30; m++) {
    const id = addMeeting(doc, { date: day(-7 * m), title: `Netværksmøde ${m + 1}`, participants: ['Familien', 'Anna Holm'], notes: 'Vi talte om ugen.', createdAt: at(400 + m), createdBy: 'u-anna' });
    addDecision(doc, id, { text: 'Næste møde om en uge', createdAt: at(400 + m) });
  }
  // Every edit has reached the relay once its state vector covers ours (the relay answers with its own).
  await new Promise((r) => setTimeout(r, 1500));
  close();
  return { actions, goals };
}

const row = (page: Page, actionId: string) => page.locator(`[data-action-id="${actionId}"]`);

test('a large plan: first screen first, a deep link into the last goal, a second opening from the stored copy that works as usual', async ({ browser }) => {
  test.setTimeout(120_000);
  const anna = await login(browser, server, 'anna', { viewport: { width: 768, height: 1024 } });
  const created = await anna.context.request.post('/api/families', { headers: { origin: server.url }, data: { name: 'Familien Stor' } });
  expect(created.status()).toBe(201);
  const { id: familyId } = (await created.json()) as { id: string };
  const { actions } = await writeLargePlan(anna.context, familyId);
  const last = actions.at(-1) as string;

  // The device learns of the family; then a link straight to the last goal's last action.
  await anna.page.reload();
  await expect(anna.page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  await anna.page.goto(`/familie/${familyId}#action-${last}`);
  await expect(row(anna.page, last).locator('[data-title]')).toBeFocused({ timeout: 15_000 });
  await expect(row(anna.page, last)).toBeInViewport();
  await expect(anna.page.locator('[data-action-id]')).toHaveCount(200);
  await expect(anna.page.locator('[data-goal-id]')).toHaveCount(40);
  await expect(anna.page.locator('#family')).toBeAttached();

  // Away and back by the page's own links: the second opening paints from the stored copy.
  await anna.page.waitForTimeout(1500); // the page stores its copy once the document has been quiet for a moment
  await anna.page.getByRole('link', { name: /Tilbage til mine familier/ }).click();
  // The plan is on the device: opening it online moves only state vectors, never the document (the socket opens after the local load).
  const bytes = { sent: 0, received: 0 };
  anna.page.on('websocket', (ws) => {
    if (!ws.url().includes(roomName(familyId, 'plan'))) return;
    ws.on('framesent', (f) => (bytes.sent += f.payload.length));
    ws.on('framereceived', (f) => (bytes.received += f.payload.length));
  });
  await anna.page.locator(`a[data-family-id="${familyId}"]`).click();
  await expect(anna.page.locator('.planhead')).toHaveAttribute('data-from-copy', '');
  await expect(anna.page.getByRole('heading', { level: 1, name: 'Familien Stor' })).toBeVisible();
  await expect(anna.page.locator('[data-action-id]')).toHaveCount(200);
  await expect(anna.page.locator('[data-sync="online"]')).toBeVisible();
  await anna.page.waitForTimeout(500); // the sync exchange after the socket opened
  expect(bytes.sent).toBeGreaterThan(0);
  expect(Math.max(bytes.sent, bytes.received)).toBeLessThan(1_000);

  // It works as usual: a tick reaches anna's other tablet live, and undo takes it back there too.
  const other = await login(browser, server, 'anna', { viewport: { width: 1280, height: 800 } });
  await other.page.goto(`/familie/${familyId}`);
  await expect(other.page.locator('[data-action-id]')).toHaveCount(200);
  const first = actions[0];
  await row(anna.page, first).getByRole('checkbox').check();
  await expect(row(other.page, first)).toHaveAttribute('data-status', 'udfoert');
  await anna.page.getByRole('button', { name: 'Fortryd' }).click();
  await expect(row(other.page, first)).toHaveAttribute('data-status', 'aaben');
  await expect(row(anna.page, first)).toHaveAttribute('data-status', 'aaben');

  // The whole plan, as a screen reader meets it.
  await expectAxeClean(anna.page, 'large plan');
  await Promise.all([anna.context.close(), other.context.close()]);
});
