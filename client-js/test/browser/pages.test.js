// The three pages end to end in headless Chromium against a real node: a viewer asks an urgent
// question, an agent takes the offer and answers with a template, the viewer sees the answer,
// the supervisor sees it all; a coupon is pushed and claimed; hostile chat text stays text.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, person, screenshot } from '../support/browser.js';
import { BASE, closeAll, devToken, missingFeature, uniqueUser } from '../support/livedesk.js';

const XSS = '<img src=x onerror=alert(1)>';
const missingConversations = await missingFeature('ask', ['customer'], 'conversations (branch conv)');
const missingRooms = await missingFeature('joinRoom', ['customer'], 'live rooms (branch rooms)');
const missingPushes = await missingFeature('claim', ['customer'], 'coupon pushes (branch rooms)');
after(closeAll);

describe('the reference pages', () => {
  let browser;
  const people = {};
  const roomId = uniqueUser('room');

  before(async () => {
    browser = await launch();
    // The push funnel comes from the admin-only campaigns API, so this supervisor is an admin too.
    people.supervisor = await person(browser, { sub: uniqueUser('sup'), name: 'Sam Supervisor', page: 'supervisor', extraRoles: 'admin' });
    people.agent = await person(browser, { sub: uniqueUser('agent'), name: 'Ada Agent', page: 'agent' });
    people.viewer = await person(browser, {
      sub: uniqueUser('viewer'), name: `Eve${XSS}`, page: 'viewer', tags: ['vip'], query: `?room=${roomId}`,
    });
  });

  after(async () => {
    await browser?.close();
  });

  test('pages load with no script errors and show the connection as open', async () => {
    for (const [who, { page, errors }] of Object.entries(people)) {
      assert.equal(await page.textContent('#conn'), 'open', who);
      assert.deepEqual(errors, [], who);
    }
  });

  test('a viewer asks an urgent question; the agent answers with a template; everyone sees it',
    { skip: missingConversations ?? false }, async () => {
      const { viewer, agent, supervisor } = people;
      await viewer.page.fill('#ask input[name=text]', `My payment failed at checkout ${XSS}`);
      await viewer.page.click('#ask-button');
      await viewer.page.waitForSelector('#answering[data-state=WAITING]');
      await viewer.page.waitForSelector('#support-messages li.mine');

      // The supervisor sees the conversation waiting in the urgent queue.
      const row = supervisor.page.locator('#conversations tr.tier-urgent').first();
      await row.waitFor();
      assert.match(await row.textContent(), /waiting/);

      // The agent goes online and gets the offer, red for urgent, counting down.
      await agent.page.fill('#status input[name=capacity]', '3');
      await agent.page.click('#go');
      const offer = agent.page.locator('#offers li[data-tier=urgent]').first();
      await offer.waitFor();
      const countdown = offer.locator('.countdown');
      const first = await countdown.textContent();
      assert.match(first, /s left|late/);
      await agent.page.waitForFunction((before) => document.querySelector('#offers .countdown')?.textContent !== before, first);
      assert.equal(await offer.evaluate((li) => getComputedStyle(li).borderLeftColor), 'rgb(217, 54, 54)');
      await screenshot(agent.page, 'agent-offer');

      await offer.locator('button.accept').click();
      await agent.page.waitForSelector('#conversations li.selected');
      await agent.page.waitForSelector('#messages li');
      assert.ok((await agent.page.textContent('#messages')).includes(`My payment failed at checkout ${XSS}`));

      // A quick reply from the team's templates on the server, found by search, the customer's name filled in.
      const admin = await devToken({ sub: uniqueUser('admin'), roles: ['admin'] });
      const created = await fetch(`${BASE}/api/admin/templates`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin}` },
        body: JSON.stringify({ intent: 'payment', title: 'Coupon at checkout', text: 'Sorry, {customer_name}: your coupon is re-applied.' }),
      });
      const source = created.status === 201 ? 'server' : 'console';
      await agent.page.fill('#template-search', 'coupon');
      await agent.page.click(`#templates li[data-source=${source}]`);
      await agent.page.waitForFunction(() => document.querySelector('#reply input[name=text]').value !== '');
      const reply = await agent.page.inputValue('#reply input[name=text]');
      assert.equal(reply, source === 'server' ? `Sorry, Eve${XSS}: your coupon is re-applied.`
        : `Sorry about that, Eve${XSS}. I have re-applied your coupon; please refresh your cart.`);
      await agent.page.click('#reply button[type=submit]');

      const answer = viewer.page.locator('#support-messages li.agent').first();
      await answer.waitFor();
      assert.equal(await answer.locator('.text').textContent(), reply);
      await viewer.page.waitForSelector('#answering[data-state=ACTIVE]');
      assert.match(await viewer.page.textContent('#answering'), /Ada Agent \(agent\) is answering/);
      await screenshot(viewer.page, 'viewer-answered');

      // The supervisor sees it taken and the agent carrying it.
      await supervisor.page.waitForFunction(() => /taken/.test(document.querySelector('#conversations tr.tier-urgent')?.textContent ?? ''));
      await supervisor.page.waitForFunction(() => /1\/3/.test(document.querySelector('#agents')?.textContent ?? ''));
      await screenshot(supervisor.page, 'supervisor');
    });

  test('room chat shows messages as text', { skip: missingRooms ?? false }, async () => {
    const { viewer } = people;
    await viewer.page.fill('#say input[name=text]', XSS);
    await viewer.page.click('#say button');
    const line = viewer.page.locator('#room-messages li.mine .text').last();
    await line.waitFor();
    assert.equal(await line.textContent(), XSS);
    await screenshot(viewer.page, 'viewer-room');
  });

  test('a busy room (200 messages a second) is drawn in batches and the list stays capped', async () => {
    const { viewer } = people;
    const figures = await viewer.page.evaluate(async (roomId) => {
      const list = document.querySelector('#room-messages');
      let mutationBatches = 0;
      const observer = new MutationObserver(() => { mutationBatches += 1; });
      observer.observe(list, { childList: true });
      const frameGaps = [];
      let last = performance.now();
      let running = true;
      const onFrame = (now) => {
        frameGaps.push(now - last);
        last = now;
        if (running) requestAnimationFrame(onFrame);
      };
      requestAnimationFrame(onFrame);
      // 200 messages a second for two seconds, as the server would deliver them.
      const total = 400;
      for (let i = 0; i < total; i += 1) {
        globalThis.livedesk.emit('roomMessage', { roomId, messageId: `load-${i}`, userId: 'load', userName: 'load', text: `message ${i}` });
        if (i % 2 === 1) await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      running = false;
      observer.disconnect();
      return {
        total, mutationBatches, items: list.childElementCount,
        lastText: list.lastElementChild.querySelector('.text').textContent,
        worstFrameMs: Math.round(Math.max(...frameGaps.slice(1))),
      };
    }, roomId);
    assert.equal(figures.items, 200);
    assert.equal(figures.lastText, 'message 399');
    assert.ok(figures.mutationBatches < figures.total / 2, `drawn in ${figures.mutationBatches} batches for ${figures.total} messages`);
    process.stdout.write(`# busy room: ${figures.total} messages in ${figures.mutationBatches} DOM batches, worst frame ${figures.worstFrameMs} ms\n`);
  });

  test('an admin pushes a coupon, the viewer claims it, the supervisor sees the claim', { skip: missingPushes ?? false }, async () => {
    const { viewer, supervisor } = people;
    const admin = await devToken({ sub: uniqueUser('admin'), roles: ['admin'] });
    const response = await fetch(`${BASE}/api/admin/campaigns`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        name: 'ten off', coupon: { title: { en: 'Ten off tonight', zh: '今晚立减十元' }, amountCents: 1000, total: 10, perUserLimit: 1 },
        target: { rooms: [roomId] },
      }),
    });
    assert.equal(response.status, 201, await response.text());
    await viewer.page.waitForSelector('#coupon:not(.hidden)');
    assert.equal(await viewer.page.textContent('#coupon-value'), '10.00 off');
    await viewer.page.click('#claim');
    await viewer.page.waitForSelector('#claim-result[data-granted=true]');
    await screenshot(viewer.page, 'viewer-coupon');
    await supervisor.page.waitForFunction(() => Number(document.querySelector('#funnel-note')?.dataset.values?.split(',')[1] ?? 0) >= 1);
    await screenshot(supervisor.page, 'supervisor-funnel');
  });

  test(`chat text like ${XSS} is shown as text on every page and never runs`, async () => {
    for (const [who, { page, dialogs }] of Object.entries(people)) {
      assert.equal(await page.locator('img').count(), 0, `${who}: no <img> was made from chat text`);
      assert.deepEqual(dialogs, [], `${who}: no script ran`);
    }
    if (!missingConversations) {
      for (const who of ['viewer', 'agent', 'supervisor']) {
        const text = await people[who].page.evaluate(() => document.body.innerText);
        assert.ok(text.includes(XSS), `${who} shows the text literally`);
      }
    }
  });
});
