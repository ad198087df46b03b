// "Online – gemt" in the browser: the app asks the relay for acknowledgements
// it need not answer (`ack=2`, MESSAGE_SAVED), shows "gemt" after its own edit
// once the relay has committed it, and a colleague's edit arriving live does
// not make the plan look unsaved.
import type { Page, WebSocket } from '@playwright/test';
import { test, expect, editHope, hopeValues, login, startServer, type TestServer } from './fixtures.ts';
import { MESSAGE_SAVED, MESSAGE_SYNC } from '../../src/lib/shared/protocol.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

const FAMILY = 'gel-02-nielsen'; // anna (case opened by social) and bo (consent) both write the plan

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** The plan room's on-screen socket (not a background sync), and every frame on it. */
function planSocket(page: Page) {
  const frames = { sent: [] as number[][], received: [] as number[][] };
  const socket = new Promise<WebSocket>((resolve) => {
    page.on('websocket', (ws) => {
      if (!ws.url().includes(`/sync/${roomName(FAMILY, 'plan')}?`) || ws.url().includes('sync=1')) return;
      ws.on('framesent', ({ payload }) => frames.sent.push([...Buffer.from(payload as Buffer).subarray(0, 2)]));
      ws.on('framereceived', ({ payload }) => frames.received.push([...Buffer.from(payload as Buffer).subarray(0, 2)]));
      resolve(ws);
    });
  });
  return { socket, frames };
}

/** Every value the sync badge takes from now on. */
async function recordSyncStates(page: Page) {
  await page.locator('[data-sync]').first().evaluate((el) => {
    const w = window as unknown as { syncStates: string[] };
    w.syncStates = [el.getAttribute('data-sync') ?? ''];
    new MutationObserver(() => w.syncStates.push(el.getAttribute('data-sync') ?? '')).observe(el, { attributes: true, attributeFilter: ['data-sync'] });
  });
  return () => page.evaluate(() => (window as unknown as { syncStates: string[] }).syncStates);
}

test('"gemt" comes from an acknowledgement the app does not answer, and a colleague’s edit keeps it', async ({ browser }) => {
  const anna = await login(browser, server, 'anna');
  const bo = await login(browser, server, 'bo');
  const annaWire = planSocket(anna.page);
  await anna.page.goto(`/familie/${FAMILY}`);
  await bo.page.goto(`/familie/${FAMILY}`);
  const socket = await annaWire.socket;
  expect(socket.url()).toContain('ack=2');
  await expect(anna.page.locator('[data-sync="online"]')).toBeVisible();
  await expect(bo.page.locator('[data-sync="online"]')).toBeVisible();

  // anna edits: "gemt" again once the relay says so, with MESSAGE_SAVED and no sync step 2 from her.
  const sentBefore = annaWire.frames.sent.length;
  const annaHope = await editHope(anna.page, 0);
  await annaHope.click();
  await annaHope.press('End');
  await annaHope.pressSequentially(' Gemt af relæet.');
  await expect.poll(async () => (await hopeValues(bo.page))[0]).toMatch(/Gemt af relæet\.$/);
  await expect(anna.page.locator('[data-sync="online"]')).toBeVisible();
  await expect.poll(() => annaWire.frames.received.some(([type]) => type === MESSAGE_SAVED)).toBe(true);
  const step2 = ([type, subtype]: number[]) => type === MESSAGE_SYNC && subtype === 1;
  expect(annaWire.frames.sent.slice(sentBefore).filter(step2)).toEqual([]);

  // bo edits; anna receives it live and her plan stays "gemt" (she has nothing unsaved).
  const annaStates = await recordSyncStates(anna.page);
  const boHope = await editHope(bo.page, 1);
  await boHope.click();
  await boHope.press('End');
  await boHope.pressSequentially(' Skrevet af Bo.');
  await expect(anna.page.locator('[data-voice="family"] textarea').nth(1)).toHaveValue(/Skrevet af Bo\.$/);
  await anna.page.waitForTimeout(500);
  await expect(anna.page.locator('[data-sync="online"]')).toBeVisible();
  expect(await annaStates()).toEqual(['online']);
  await expect(bo.page.locator('[data-sync="online"]')).toBeVisible();
  await Promise.all([anna.context.close(), bo.context.close()]);
});
