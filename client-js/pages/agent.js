// The agent console: go online with a capacity and skills, take offers (coloured by tier, with a
// live countdown to the response deadline), answer in the chat pane with quick-reply templates,
// see the customer's context, transfer and close.

import { $, el, fill, pageClient, showConnection, storedLogin, time } from './common.js';
import { fillTemplate, searchTemplates } from './templates.js';

const client = await pageClient('agent');
const me = storedLogin('agent').claims;
$('#who').textContent = me.name || me.sub;
showConnection(client, $('#conn'));

const offers = new Map(); // offerId -> Offer
const conversations = new Map(); // conversationId -> Conversation (mine, and ones I have seen)
const messages = new Map(); // conversationId -> Map(seq -> message)
let selected = null;

// ------------------------------------------------------------------ status

$('#status').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target.elements;
  try {
    const status = await client.setAgentStatus({
      status: form.status.value,
      capacity: Number(form.capacity.value),
      skills: form.skills.value.split(',').map((s) => s.trim()).filter(Boolean),
      displayName: me.name || me.sub,
    });
    showStatus(status);
  } catch (e) {
    $('#load').textContent = `status refused: ${e.message}`;
  }
});

function showStatus(s) {
  if (s.agentId && s.agentId !== client.userId) return;
  $('#load').textContent = `${(s.status ?? 'OFFLINE').toLowerCase()} · ${s.active ?? 0}/${s.capacity ?? 0} chats`;
  $('#load').dataset.status = s.status ?? '';
}
client.on('agentStatus', showStatus);

// ------------------------------------------------------------------ offers

function countdown(deadlineAt) {
  return el('span', { class: 'countdown', dataset: { deadline: String(deadlineAt ?? 0) } });
}

function renderOffers() {
  $('#no-offers').classList.toggle('hidden', offers.size > 0);
  fill($('#offers'), [...offers.values()]
    .sort((a, b) => Number(a.conversation?.deadlineAt ?? 0) - Number(b.conversation?.deadlineAt ?? 0))
    .map((offer) => {
      const c = offer.conversation ?? {};
      const first = (offer.transcript ?? []).find((m) => m.senderRole === 'CUSTOMER') ?? offer.transcript?.[0];
      return el('li', { class: `tier-${c.tier ?? 'normal'}`, dataset: { offer: offer.offerId, tier: c.tier ?? '' } },
        el('div', { class: 'row' },
          el('strong', {}, `${c.tier ?? ''}`), ' ', el('span', {}, c.intent ?? ''),
          el('span', { class: 'muted' }, offer.warning ? ' · deadline near' : ''),
          ' ', countdown(c.deadlineAt)),
        el('div', {}, el('span', { class: 'who' }, c.customerName || c.customerId || ''), ': ', first?.text ?? ''),
        el('div', { class: 'row' },
          el('button', { class: 'accept', onclick: () => accept(offer) }, 'Accept'),
          offer.warning ? null : el('button', { class: 'secondary', onclick: () => decline(offer) }, 'Decline')));
    }));
  tick();
}

async function accept(offer) {
  try {
    const reply = await client.acceptOffer(offer.offerId, offer.conversation?.id);
    offers.delete(offer.offerId);
    renderOffers();
    const c = reply.conversation?.conversation ?? offer.conversation;
    remember(c);
    for (const m of offer.transcript ?? []) store(m);
    select(c.id);
  } catch (e) {
    offers.delete(offer.offerId);
    renderOffers();
    $('#pane-error').textContent = `could not accept: ${e.code}`;
  }
}

async function decline(offer) {
  offers.delete(offer.offerId);
  renderOffers();
  await client.declineOffer(offer.offerId, 'busy').catch(() => {});
}

client.on('offer', (offer) => {
  offers.set(offer.offerId, offer);
  renderOffers();
});
client.on('offerWithdrawn', (w) => {
  offers.delete(w.offerId);
  renderOffers();
});

/** Every countdown on the page, four times a second, against the server's clock. */
function tick() {
  const now = client.serverNow();
  for (const node of document.querySelectorAll('.countdown')) {
    const deadline = Number(node.dataset.deadline);
    if (!deadline) {
      node.textContent = '';
      continue;
    }
    const left = (deadline - now) / 1000;
    node.textContent = left >= 0 ? `${left.toFixed(1)} s left` : `late ${(-left).toFixed(1)} s`;
    node.classList.toggle('late', left < 0);
  }
}
setInterval(tick, 250);

// ------------------------------------------------------------------ conversations

function mine(c) {
  return c.agentId === client.userId && (c.state === 'ACTIVE' || c.state === 'OFFERED');
}

function remember(c) {
  if (!c?.id) return;
  conversations.set(c.id, { ...conversations.get(c.id), ...c });
  renderConversations();
  if (selected === c.id) renderCustomer();
}

function renderConversations() {
  fill($('#conversations'), [...conversations.values()].filter(mine).map((c) => el('li', {
    class: `tier-${c.tier ?? 'normal'}${c.id === selected ? ' selected' : ''}`,
    dataset: { conversation: c.id },
    onclick: () => select(c.id),
  }, el('strong', {}, c.customerName || c.customerId || ''), ' ', el('span', { class: 'muted' }, `${c.tier ?? ''} · ${c.intent ?? ''}`))));
}

client.on('conversation', (c) => {
  remember(c);
  if (selected === c.id && !mine(c)) setPaneEnabled(false);
});

function store(m) {
  if (!messages.has(m.conversationId)) messages.set(m.conversationId, new Map());
  const list = messages.get(m.conversationId);
  const fresh = !list.has(Number(m.seq));
  list.set(Number(m.seq), m);
  return fresh;
}

const ROLE_CLASS = { CUSTOMER: '', AGENT: 'mine', BOT_SENDER: 'bot', SYSTEM: 'system' };

function line(m) {
  const role = m.own ? 'AGENT' : m.senderRole;
  return el('li', { class: ROLE_CLASS[role] ?? '', dataset: { seq: String(m.seq) } },
    el('span', { class: 'who' }, m.own ? 'You' : (m.senderName || m.senderId || '')),
    el('span', { class: 'text' }, m.text ?? ''),
    el('span', { class: 'muted' }, ` ${time(m.at ?? Date.now())}`));
}

function renderMessages() {
  const list = messages.get(selected) ?? new Map();
  const pane = $('#messages');
  fill(pane, [...list.keys()].sort((a, b) => a - b).map((seq) => line(list.get(seq))));
  pane.scrollTop = pane.scrollHeight;
}

client.on('message', (m) => {
  if (store(m) && m.conversationId === selected) renderMessages();
});

function setPaneEnabled(enabled) {
  for (const node of document.querySelectorAll('#reply input, #reply button, #transfer-to, #transfer, #close')) {
    node.disabled = !enabled;
  }
}

async function select(conversationId) {
  selected = conversationId;
  const c = conversations.get(conversationId) ?? {};
  $('#pane-title').textContent = `${c.customerName || c.customerId || 'Customer'} · ${c.tier ?? ''} · ${c.intent ?? ''}`;
  $('#pane-error').textContent = '';
  setPaneEnabled(mine(c));
  renderConversations();
  renderCustomer();
  renderMessages();
  try {
    const page = await client.history(conversationId, { limit: 50 });
    for (const m of page.messages ?? []) store(m);
    if (selected === conversationId) renderMessages();
  } catch (e) {
    $('#pane-error').textContent = `history unavailable: ${e.code}`;
  }
}

$('#reply').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  const text = input.value.trim();
  if (!text || !selected) return;
  input.value = '';
  try {
    await client.sendMessage(selected, text);
  } catch (e) {
    $('#pane-error').textContent = `not sent: ${e.code}`;
    input.value = text;
  }
});

$('#transfer').addEventListener('click', async () => {
  const id = selected;
  try {
    await client.transfer(id, { toAgentId: $('#transfer-to').value.trim() || undefined });
    const c = conversations.get(id);
    if (c) remember({ ...c, agentId: '', state: 'WAITING' });
    setPaneEnabled(false);
  } catch (e) {
    $('#pane-error').textContent = `transfer refused: ${e.code}`;
  }
});

$('#close').addEventListener('click', async () => {
  try {
    const reply = await client.closeConversation(selected, { resolved: true });
    remember(reply.conversation?.conversation);
    setPaneEnabled(false);
  } catch (e) {
    $('#pane-error').textContent = `close refused: ${e.code}`;
  }
});

// ------------------------------------------------------------------ customer panel

function streamPosition(ms) {
  const s = Math.floor(Number(ms ?? 0) / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function renderCustomer() {
  const c = conversations.get(selected);
  if (!c) return;
  const rows = [
    ['Name', c.customerName || c.customerId],
    ['Tags', (c.customerTags ?? []).join(', ') || '–'],
    ['Room', c.roomId || '–'],
    ['Product', c.productId || '–'],
    ['Stream at', c.streamTs ? streamPosition(c.streamTs) : '–'],
    ['Order', c.orderId || '–'],
    ['Tier', c.tier || '–'],
    ['Intent', c.intent || '–'],
    ['SLA', (c.sla ?? 'PENDING').toLowerCase()],
    ['Opened', c.createdAt ? time(c.createdAt) : '–'],
  ];
  fill($('#customer'), rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  fill($('#earlier'), [...conversations.values()]
    .filter((o) => o.customerId === c.customerId && o.id !== c.id)
    .map((o) => el('li', {}, `${o.createdAt ? time(o.createdAt) : ''} · ${o.intent ?? ''} · ${(o.state ?? '').toLowerCase()}`)));
}

// ------------------------------------------------------------------ templates

/**
 * The team's templates come from the server (GET /api/templates, rendered by POST
 * /api/templates/:id/render, which counts the use); the console's starter set is always there too.
 */
let serverTemplates = true; // false once the server turns out to have no templates API

async function searchServerTemplates(query) {
  if (!serverTemplates) return [];
  const response = await fetch(`/api/templates?q=${encodeURIComponent(query)}`, {
    headers: { Authorization: `Bearer ${storedLogin('agent').token}` },
  });
  if (response.status === 404) serverTemplates = false;
  if (!response.ok) return [];
  return (await response.json()).map((t) => ({ ...t, server: true }));
}

async function renderServerTemplate(template, values) {
  const response = await fetch(`/api/templates/${encodeURIComponent(template.id)}/render`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${storedLogin('agent').token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ customer_name: values.customer_name ?? '', product: values.product ?? '' }),
  });
  return response.ok ? (await response.json()).text : template.text;
}

let searchRun = 0;
async function renderTemplates() {
  const query = $('#template-search').value.trim();
  const run = ++searchRun;
  const fromServer = await searchServerTemplates(query).catch(() => []);
  if (run !== searchRun) return; // a newer search has started
  fill($('#templates'), [...fromServer, ...searchTemplates(query)].map((t) => el('li', {
    dataset: { template: t.id, source: t.server ? 'server' : 'console' },
    onclick: () => useTemplate(t),
  }, el('strong', {}, t.title), ' ', el('span', { class: 'muted' }, t.text))));
}

async function useTemplate(template) {
  const c = conversations.get(selected) ?? {};
  const values = {
    customer_name: c.customerName || c.customerId,
    agent: me.name || me.sub,
    product: c.productId,
    order: c.orderId,
    room: c.roomId,
  };
  const text = template.server ? await renderServerTemplate(template, values) : template.text;
  const input = $('#reply').elements.text;
  input.value = fillTemplate(text, values);
  input.focus();
}

$('#template-search').addEventListener('input', renderTemplates);
renderTemplates();

await client.connect();
document.body.dataset.ready = 'true';
