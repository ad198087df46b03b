// WCAG 2.1 AA with axe-core on the pages people live in: login, caseload, the
// plan (portrait and landscape, with an editor and the forms open), a
// read-only journal and the print page. No serious or critical violations.
// On a phone, besides: nothing scrolls sideways and no text runs past its box.
import { test, expect, login, roomClient, signIn, signInLeader, startServer, submitLogin, openPlanOnline, type TabletOptions, type TestServer } from './fixtures.ts';
import { expectAxeClean, textPastItsBox } from './checks.ts';
import { addAction } from '../../src/lib/domain/plan.ts';
import { roomName } from '../../src/lib/shared/rooms.ts';

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

/** A device of a person's own, in Danish. */
const danish = (viewport: { width: number; height: number }, sign = signIn): TabletOptions => ({ viewport, sign, locale: 'da-DK' });

for (const viewport of [
  { width: 768, height: 1024 },
  { width: 1280, height: 800 }
]) {
  test(`login, caseload and plan have no serious or critical violations at ${viewport.width}×${viewport.height}`, async ({ browser }) => {
    // Six axe runs, one with every section of the plan open.
    test.setTimeout(180_000);
    const context = await browser.newContext({ baseURL: server.url, viewport, locale: 'da-DK' });
    const page = await context.newPage();
    await page.goto('/login');
    await expect(page.getByRole('button', { name: 'Log ind' })).toBeVisible();
    await expectAxeClean(page, 'login');

    await signIn(page, 'anna');
    await expect(page.locator('[data-family-id]').first()).toBeVisible();
    await expect(page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
    await expectAxeClean(page, 'caseload');

    await openPlanOnline(page, 'gel-02-nielsen');
    await expect(page.locator('[data-action-id]').first()).toBeVisible();
    await expectAxeClean(page, 'plan');

    // With an action editor, the goal editor, the tovholder and meeting forms open.
    await page.locator('[data-action-id] [data-title]').first().click();
    await page.locator('[data-goal-id] .goal-head button').first().click();
    await page.locator('#tovholder-open').click();
    await page.getByRole('button', { name: '+ Registrér møde' }).click();
    await expectAxeClean(page, 'plan with editors open');

    // Every section's form open: hopes, the child's words, a goal, an action without a goal, a meeting, feedback, the family.
    await page.getByRole('button', { name: 'Redigér håb og drømme' }).click();
    await page.getByRole('button', { name: '+ Tilføj barnets ord' }).click();
    await page.getByRole('button', { name: '+ Tilføj mål' }).click();
    await page.getByRole('button', { name: '+ Tilføj handling uden mål' }).click();
    await page.locator('[data-meeting-id]').first().getByRole('button', { name: /Redigér mødet/ }).click();
    await page.getByRole('button', { name: '+ Tilføj tilbagemelding' }).click();
    await page.getByRole('button', { name: 'Redigér familien og netværket' }).click();
    await expectAxeClean(page, 'plan with every section open');

    // Shown to the family.
    await page.getByRole('button', { name: 'Vis for familien' }).click();
    await expect(page.getByRole('button', { name: /Luk visningen for familien/ })).toBeFocused();
    await expectAxeClean(page, 'plan shown to the family');

    await page.goto('/familie/gel-02-nielsen/print');
    await expect(page.locator('.print-plan')).toBeVisible();
    await expectAxeClean(page, 'print');
    await context.close();
  });
}

test('a read-only journal has no serious or critical violations', async ({ browser }) => {
  const { context, page } = await login(browser, server, 'bo', danish({ width: 768, height: 1024 }));
  await page.goto('/familie/gel-02-nielsen');
  await page.getByRole('link', { name: /Journal: Socialområdet/ }).click();
  await expect(page.locator('[data-journal="social"] [data-entry-id]').first()).toBeVisible();
  await expectAxeClean(page, 'read-only journal');
  await page.getByRole('link', { name: 'Journal: Skole og PPR' }).click();
  await expect(page.locator('[data-journal="school"]')).toBeVisible();
  await expectAxeClean(page, 'writable journal');
  await context.close();
});

for (const viewport of [
  { width: 768, height: 1024 },
  { width: 1280, height: 800 }
]) {
  test(`the admin console has no serious or critical violations at ${viewport.width}×${viewport.height}`, async ({ browser }) => {
    test.setTimeout(180_000);
    const { context, page } = await login(browser, server, 'admin', danish(viewport));
    for (const tab of ['users', 'teams', 'districts', 'audit']) {
      await page.goto(`/admin?fane=${tab}`);
      // The log is empty until the first administrative change.
      await expect(page.locator(tab === 'audit' ? 'table' : 'table tbody tr').first()).toBeVisible();
      await expectAxeClean(page, `admin ${tab}`);
      // The page stays within the screen (WCAG 1.4.10): a wide table scrolls in its own box. The users' table's
      // hidden column label once widened the page by 108 px at 768.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `admin ${tab}`).toBeLessThanOrEqual(viewport.width);
    }
    await page.goto('/admin?fane=users');
    await page.getByRole('button', { name: 'Ny bruger' }).click();
    await expectAxeClean(page, 'admin new-user form');
    await context.close();
  });
}

for (const viewport of [
  { width: 390, height: 844 },
  { width: 768, height: 1024 }
]) {
  test(`at ${viewport.width} px the admin console lists users and teams one under another, each value labelled, the buttons within reach`, async ({ browser }) => {
    const { context, page } = await login(browser, server, 'admin', danish(viewport));
    for (const [tab, row, labels, button] of [
      ['users', 'tr[data-user="anna"]', ['Brugernavn:', 'Status:'], 'Rediger Anna Holm'],
      ['teams', 'tr[data-team="gellerup"]', ['Klynge:', 'Teamledere:'], 'Rediger Gellerup']
    ] as const) {
      await page.goto(`/admin?fane=${tab}`);
      const item = page.locator(row);
      await expect(item).toBeVisible();
      // Nothing scrolls sideways, not even inside the table's own box (it did: Status and the buttons were out of
      // sight, on a phone and on a tablet in portrait).
      expect(await page.evaluate(() => document.documentElement.scrollWidth), tab).toBeLessThanOrEqual(viewport.width);
      const box = page.locator('.scroll', { has: item });
      expect(await box.evaluate((el) => el.scrollWidth - el.clientWidth), tab).toBe(0);
      for (const label of labels) await expect(item.getByText(label)).toBeVisible();
      const edit = (await item.getByRole('button', { name: button }).boundingBox()) ?? { x: 0, width: Infinity };
      expect(edit.x + edit.width, tab).toBeLessThanOrEqual(viewport.width);
      expect(await textPastItsBox(page), tab).toEqual([]);
      await expectAxeClean(page, `admin ${tab} at ${viewport.width}`);
    }
    await context.close();
  });
}

test('on a tablet in portrait the overview’s wide tables (and the level chart’s figures) scroll under their row names and caption, which stay in view', async ({ browser }) => {
  const { context, page } = await login(browser, server, 'eva', danish({ width: 768, height: 1024 }, signInLeader));
  // The level chart's figures as a table too (its caption is read, not shown).
  await page.getByText('Vis tallene som tabel').first().click();
  const tables = { 'teams-table': page.getByTestId('teams-table'), 'workers-table': page.getByTestId('workers-table'), 'level table': page.locator('details table').first() };
  for (const [id, table] of Object.entries(tables)) {
    await table.scrollIntoViewIfNeeded();
    const box = table.locator('xpath=..');
    await expect(box).toHaveClass(/\bscroll\b/);
    // The table is wider than its box here (the last columns were simply cut off, with nothing to say so).
    expect(await box.evaluate((el) => el.scrollWidth - el.clientWidth), id).toBeGreaterThan(50);
    await box.evaluate((el) => (el.scrollLeft = el.scrollWidth));
    const edges = await box.evaluate((el) => {
      const b = el.getBoundingClientRect();
      const inBox = (e: Element | null) => {
        const r = e?.getBoundingClientRect();
        return !!r && r.left >= b.left - 1 && r.right <= b.right + 1;
      };
      return {
        rowName: inBox(el.querySelector('tbody th[scope="row"]')),
        columnHead: inBox(el.querySelector('thead th')),
        // A caption shown (the level table's is only read).
        caption: el.querySelector('caption.visually-hidden') ? true : inBox(el.querySelector('caption')),
        lastColumn: inBox(el.querySelector('thead th:last-child'))
      };
    });
    expect(edges, id).toEqual({ rowName: true, columnHead: true, caption: true, lastColumn: true });
  }
  await expectAxeClean(page, 'overview at 768');
  await context.close();
});

test('on a phone every text stays inside its box: the start page, the plan, its consents and the overview', async ({ browser }) => {
  test.setTimeout(120_000);
  const phone = (user: string, sign = signIn) => login(browser, server, user, danish({ width: 390, height: 844 }, sign));
  const anna = await phone('anna');
  await expect(anna.page.locator('[data-family-id]').first()).toBeVisible();
  expect(await textPastItsBox(anna.page), 'start page').toEqual([]);
  // A goal's long title once squeezed its "Redigér" button to 50 px, the word past its border.
  await openPlanOnline(anna.page, 'gel-01-hansen');
  await expect(anna.page.locator('[data-goal-id]').first()).toBeVisible();
  expect(await textPastItsBox(anna.page), 'plan').toEqual([]);
  await anna.page.goto('/familie/gel-02-nielsen/samtykke');
  await expect(anna.page.getByRole('heading', { level: 1, name: /Samtykke/ })).toBeVisible();
  expect(await textPastItsBox(anna.page), 'consents').toEqual([]);
  const eva = await phone('eva', signInLeader);
  await expect(eva.page.locator('.tile').first()).toBeVisible();
  expect(await textPastItsBox(eva.page), 'overview').toEqual([]);
  // The charts are drawn at the size they are shown at: scaled down from a fixed width, the phone drew the workers'
  // names and figures at 7 px and the months' at 7–8 px.
  const smallestChartText = () =>
    eva.page.$$eval('[data-testid="caseload-chart"] text, [data-testid="level-chart"] text', (texts) =>
      Math.min(...texts.map((t) => (t as SVGTextElement).getScreenCTM()!.a * parseFloat(getComputedStyle(t).fontSize)))
    );
  await expect(eva.page.getByTestId('caseload-chart')).toBeVisible();
  expect(await smallestChartText()).toBeGreaterThanOrEqual(11);
  // Twelve months do not fit: the chart scrolls in its own box, which a keyboard can reach; the page does not.
  const month = (back: number) => {
    const d = new Date();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - back);
    return d.toISOString().slice(0, 7);
  };
  await eva.page.goto(`/overblik?from=${month(11)}&to=${month(0)}`);
  const levels = eva.page.getByTestId('level-chart').first();
  await expect(levels.locator('text.month')).toHaveCount(12);
  expect(await smallestChartText()).toBeGreaterThanOrEqual(11);
  const box = levels.locator('xpath=..');
  expect(await box.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeGreaterThan(100);
  await expect(box).toHaveAttribute('tabindex', '0');
  expect(await eva.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAxeClean(eva.page, 'overview, twelve months, at 390');
  await Promise.all([anna.context.close(), eva.context.close()]);
});

test('on a phone the top bar is one row for the family and two for a worker, and names who is signed in in full', async ({ browser }) => {
  // At 390 px it took three rows for the family (the app's name, the person, "Log ud", each alone) and three to four
  // for a worker: a sixth to a quarter of the screen before the plan. The family's pages start at 360 px.
  const maria = await login(browser, server, 'maria', danish({ width: 360, height: 740 }, async (page) => {
    await submitLogin(page, 'maria');
    await expect(page).toHaveURL(/\/vores-plan/);
  }));
  const anna = await login(browser, server, 'anna', danish({ width: 390, height: 844 }));
  await expect(anna.page.locator('[data-global-sync="synced"]')).toBeVisible({ timeout: 30_000 });
  for (const [who, page, rows, name] of [
    ['maria', maria.page, 1, 'Maria Nielsen'],
    ['anna', anna.page, 2, 'Anna Holm']
  ] as const) {
    const bar = page.locator('.topbar');
    const logout = page.getByRole('button', { name: 'Log ud' });
    await expect(logout).toBeVisible();
    const [barBox, logoutBox] = [await bar.boundingBox(), await logout.boundingBox()];
    // One row is the 44-px "Log ud" and the bar's padding; a second is one more row of 44-px links.
    expect(barBox!.height, who).toBeLessThanOrEqual(rows === 1 ? 60 : 110);
    expect(logoutBox!.y - barBox!.y, `${who}: "Log ud" on the first row`).toBeLessThan(12);
    expect(logoutBox!.height, who).toBeGreaterThanOrEqual(44);
    await expect(bar.locator('.who'), who).toHaveText(new RegExp(`^${name}`));
    expect(await bar.locator('.who').evaluate((el) => el.scrollWidth <= el.clientWidth), `${who}: the name is not cut`).toBe(true);
    expect(await textPastItsBox(page), who).toEqual([]);
    await expectAxeClean(page, `${who}'s top bar on a phone`);
  }
  // A hundred and more unread messages widen the badge to three digits; at 360 px "Enheder" stays beside "Beskeder"
  // (it went to a third row from two digits). bo gives anna 120 actions in a family none of this spec's other tests opens.
  const bo = await login(browser, server, 'bo');
  const plan = await roomClient(server, bo.context, roomName('gel-19-jakobsen', 'plan'));
  plan.doc.transact(() => {
    for (let i = 1; i <= 120; i++) {
      addAction(plan.doc, { title: `Opfølgning ${i}`, sector: 'school', ownerId: 'u-anna', ownerName: 'Anna Holm', createdAt: '2026-11-30T10:00:00Z', createdBy: 'u-bo' });
    }
  });
  await anna.page.setViewportSize({ width: 360, height: 740 });
  const badge = anna.page.locator('[data-inbox] [data-unread]');
  await expect(badge).toHaveText(/^\d{3}$/, { timeout: 30_000 });
  const [barBox, inboxBox, devicesBox] = await Promise.all([
    anna.page.locator('.topbar').boundingBox(),
    anna.page.locator('[data-inbox]').boundingBox(),
    anna.page.getByRole('link', { name: 'Enheder' }).boundingBox()
  ]);
  expect(barBox!.height, `two rows with ${await badge.textContent()} unread`).toBeLessThanOrEqual(110);
  expect(devicesBox!.y, '"Enheder" beside "Beskeder"').toBe(inboxBox!.y);
  expect(await textPastItsBox(anna.page)).toEqual([]);
  // Wider, the sector follows the name, set apart from it ("Anna Holm· Socialområdet" once lost its space).
  await anna.page.setViewportSize({ width: 768, height: 1024 });
  await expect(anna.page.locator('.topbar .who')).toHaveText('Anna Holm · Socialområdet');
  // Where the name fits on the first row and "Log ud" does not (880 px here; a tablet's 1024 px with "Offline i 3 timer ·
  // 12 ændringer venter"), both go to the next row together, at its right: "Log ud" went there alone, at the left.
  await anna.page.setViewportSize({ width: 880, height: 800 });
  const [whoBox, outBox, brandBox] = await Promise.all([
    anna.page.locator('.topbar .who').boundingBox(),
    anna.page.getByRole('button', { name: 'Log ud' }).boundingBox(),
    anna.page.locator('.topbar .brand').boundingBox()
  ]);
  expect(Math.abs(whoBox!.y + whoBox!.height / 2 - (outBox!.y + outBox!.height / 2)), 'the name and "Log ud" on one row').toBeLessThan(4);
  expect(outBox!.x + outBox!.width, '"Log ud" at the right').toBeGreaterThan(880 - 24);
  expect(whoBox!.y, 'on a row below the app\'s name').toBeGreaterThan(brandBox!.y + brandBox!.height);
  expect(await textPastItsBox(anna.page)).toEqual([]);
  plan.close();
  await Promise.all([maria.context.close(), anna.context.close(), bo.context.close()]);
});

test('a keyboard that opens a form lands in it, and back on the button that opened it when it closes', async ({ browser }) => {
  // Forms open in place of their button; with the button gone, focus fell to the page's start (a keyboard had to
  // tab through the whole plan again, a screen reader said nothing).
  test.setTimeout(120_000);
  const { context, page } = await login(browser, server, 'anna', danish({ width: 1024, height: 768 }));
  await openPlanOnline(page, 'gel-06-christensen');
  await expect(page.locator('[data-goal-id]').first()).toBeVisible();
  const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
  const press = async (button: ReturnType<typeof page.locator>) => {
    await button.focus();
    await page.keyboard.press('Enter');
  };
  const meetings = page.locator('#meetings');
  const cases: [string, ReturnType<typeof page.locator>, RegExp, ReturnType<typeof page.locator>, string][] = [
    ['register a meeting', meetings.getByRole('button', { name: '+ Registrér møde' }), /^new-meeting-date$/, meetings.getByRole('button', { name: 'Annuller' }), 'meeting-add'],
    ['a meeting', meetings.getByRole('button', { name: /^Redigér mødet/ }).first(), /^notes-/, meetings.getByRole('button', { name: 'Færdig' }), ''],
    ['the tovholder', page.locator('#tovholder-open'), /^tovholder-who$/, page.locator('#tovholder').getByRole('button', { name: 'Annuller' }), 'tovholder-open'],
    ['hopes', page.getByRole('button', { name: 'Redigér håb og drømme' }), /^hope-/, page.locator('#hopes-done'), 'hopes-add'],
    ['family and network', page.locator('#family-edit'), /^member-add$/, page.locator('#family').getByRole('button', { name: 'Færdig' }), 'family-edit'],
    ['an invitation', page.locator('#invite-open'), /^invite-name$/, page.locator('[data-invitations]').getByRole('button', { name: 'Annuller' }), 'invite-open']
  ];
  for (const [what, open, into, close, back] of cases) {
    const opener = back || (await open.getAttribute('id')) || '';
    await press(open);
    await expect.poll(focused, what).toMatch(into);
    await press(close);
    await expect.poll(focused, `${what}, closed`).toBe(opener);
  }
  const feedback = page.locator('#feedback');
  await press(feedback.getByRole('button', { name: '+ Tilføj tilbagemelding' }));
  await expect(page.locator(':focus')).toHaveAttribute('name', 'feedback-score');
  // A goal's editor: closed from inside, the focus is on the goal's own button again.
  const goal = page.locator('[data-goal-id]').first();
  const goalToggle = goal.getByRole('button', { name: /^Redigér ?: / });
  const goalToggleId = (await goalToggle.getAttribute('id')) ?? '';
  await press(goalToggle);
  await press(goal.locator('.goal-editor').getByRole('button', { name: 'Luk' }));
  await expect.poll(focused, 'goal editor, closed').toBe(goalToggleId);
  // "Vælg ansvarlig" opens the action's editor at its responsible: it put the keyboard on the action's "done" box,
  // where a space would have marked the action done.
  const warning = page.locator('[data-warning="action-owner-no-access"]').first();
  await press(warning.getByRole('button', { name: 'Vælg ansvarlig' }));
  await expect.poll(focused, 'choose responsible').toMatch(/^action-.+-owner$/);
  await expect(page.locator(':focus')).toHaveRole('combobox');

  // The desk's "Vis N mere" goes away once all are shown: the first row it brought takes the focus.
  await page.goto('/');
  // The app's own desk, not the inert copy of the screen kept on the device that stands in until the app draws.
  await expect(page.locator('#first-paint')).toHaveCount(0);
  const more = page.locator('[data-desk] button', { hasText: /^Vis \d+ mere$/ }).first();
  await expect(more).toBeVisible();
  const list = await more.evaluate((b) => b.previousElementSibling?.getAttribute('data-group-list') ?? '');
  await press(more);
  // A row of the same list (the rows may have been re-sorted by a sync meanwhile), not the page's start.
  await expect
    .poll(() => page.evaluate((g) => !!document.activeElement?.matches(`[data-group-list="${g}"] li a`), list), 'desk, more')
    .toBe(true);
  await context.close();
});

test('the admin console’s forms take the keyboard’s focus, and give it back to the button that opened them', async ({ browser }) => {
  const { context, page } = await login(browser, server, 'admin', danish({ width: 1280, height: 800 }));
  await page.goto('/admin?fane=users');
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || document.activeElement?.tagName);
  // A row's "Rediger" opens the form at the top of the tab; focus stayed on the row, far below the form.
  const edit = page.getByRole('button', { name: 'Rediger Bo Lindqvist' });
  await edit.focus();
  await page.keyboard.press('Enter');
  await expect.poll(focused).toBe('admin-user-name');
  await page.getByRole('button', { name: 'Annullér' }).press('Enter');
  await expect.poll(focused).toBe('Rediger Bo Lindqvist');
  for (const [tab, button, field] of [
    ['users', 'Ny bruger', 'admin-user-username'],
    ['teams', 'Nyt team', 'admin-team-name'],
    ['districts', 'Nyt skoledistrikt', 'admin-district-name']
  ] as const) {
    await page.goto(`/admin?fane=${tab}`);
    await page.getByRole('button', { name: button }).press('Enter');
    await expect.poll(focused, tab).toBe(field);
    await page.getByRole('button', { name: 'Annullér' }).press('Enter');
    await expect.poll(focused, `${tab}, closed`).toBe(`admin-new-${tab === 'users' ? 'user' : tab === 'teams' ? 'team' : 'district'}`);
  }
  await context.close();
});

test('the local provider’s login page and the waiting page have no serious or critical violations', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 768, height: 1024 }, locale: 'da-DK' });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByRole('link', { name: 'Log ind med kommunens login' }).click();
  await expect(page.getByRole('heading', { name: 'Kommunens login' })).toBeVisible();
  await expectAxeClean(page, 'local provider login page');
  await page.getByLabel('Brugernavn').fill('ib');
  await page.getByLabel('Adgangskode').fill('demo');
  await page.getByRole('button', { name: 'Log ind' }).click();
  await expect(page.locator('[data-pending-access]')).toBeVisible();
  await expectAxeClean(page, 'waiting page');
  await context.close();
});
