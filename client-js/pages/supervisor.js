// The supervisor dashboard: live charts (Chart.js) of queue depth per tier, SLA attainment,
// first response time, agents and their load, viewers per room and the push funnel; the
// conversations seen in the queue, the agents, and SLA alerts as they come.

import { $, el, fill, pageClient, showConnection, storedLogin, time } from './common.js';

const POINTS = 60; // one minute of once-a-second views
const TIERS = ['urgent', 'normal', 'low'];
const TIER_COLOURS = { urgent: '#d93636', normal: '#e59b16', low: '#3a9a5b' };
/** The push funnel comes from the campaigns API (admins only): the newest campaigns' results, summed. */
const CAMPAIGNS = '/api/admin/campaigns';
const FUNNEL_CAMPAIGNS = 10;
const FUNNEL_POLL_MS = 2000;

const client = await pageClient('supervisor');
const me = storedLogin('supervisor').claims;
$('#who').textContent = me.name || me.sub;
showConnection(client, $('#conn'));

const { Chart } = globalThis;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

function timeSeries(canvas, { percent = false } = {}) {
  return new Chart($(canvas), {
    type: 'line',
    data: {
      labels: [],
      datasets: TIERS.map((tier) => ({ label: tier, data: [], borderColor: TIER_COLOURS[tier], backgroundColor: TIER_COLOURS[tier], pointRadius: 0 })),
    },
    options: { scales: { y: { beginAtZero: true, ...(percent ? { max: 100 } : {}) } } },
  });
}

function bars(canvas, datasets, { stacked = false } = {}) {
  return new Chart($(canvas), {
    type: 'bar',
    data: { labels: [], datasets },
    options: { scales: { x: { stacked }, y: { beginAtZero: true, stacked } } },
  });
}

const charts = {
  queue: timeSeries('#chart-queue'),
  sla: timeSeries('#chart-sla', { percent: true }),
  frt: timeSeries('#chart-frt'),
  agents: bars('#chart-agents', [
    { label: 'active chats', data: [], backgroundColor: '#2f6fed' },
    { label: 'free capacity', data: [], backgroundColor: '#c9d6f5' },
  ], { stacked: true }),
  viewers: bars('#chart-viewers', [{ label: 'viewers', data: [], backgroundColor: '#2f6fed' }]),
  funnel: bars('#chart-funnel', [{ label: 'pushes', data: [0, 0, 0], backgroundColor: ['#2f6fed', '#e59b16', '#3a9a5b'] }]),
};
// converted = ORDER_PLACED as the viewer's app reported it, not the shop's own record
charts.funnel.data.labels = ['delivered', 'claimed', 'converted (client-reported)'];

function pushPoint(chart, label, valueOf) {
  chart.data.labels.push(label);
  chart.data.datasets.forEach((d) => d.data.push(valueOf(d.label)));
  if (chart.data.labels.length > POINTS) {
    chart.data.labels.shift();
    chart.data.datasets.forEach((d) => d.data.shift());
  }
  chart.update('none');
}

// ------------------------------------------------------------------ the live view

const seen = new Map(); // conversationId -> { conversation, state, deadlineAt }

function onView(view) {
  const label = time(view.at ?? client.serverNow());
  const tiers = Object.fromEntries((view.tiers ?? []).map((t) => [t.tier, t]));
  pushPoint(charts.queue, label, (tier) => tiers[tier]?.waiting ?? 0);
  pushPoint(charts.sla, label, (tier) => Math.round((tiers[tier]?.attainment ?? 1) * 1000) / 10);
  pushPoint(charts.frt, label, (tier) => Math.round((tiers[tier]?.firstResponseP50Ms ?? 0) / 100) / 10);

  const agents = view.agents ?? [];
  charts.agents.data.labels = agents.map((a) => a.name || a.agentId);
  charts.agents.data.datasets[0].data = agents.map((a) => a.active ?? 0);
  charts.agents.data.datasets[1].data = agents.map((a) => Math.max(0, (a.capacity ?? 0) - (a.active ?? 0)));
  charts.agents.update('none');

  const rooms = Object.entries(view.viewersByRoom ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 12);
  charts.viewers.data.labels = rooms.map(([room]) => room);
  charts.viewers.data.datasets[0].data = rooms.map(([, n]) => n);
  charts.viewers.update('none');

  const online = agents.filter((a) => a.status === 'ONLINE').length;
  const waiting = (view.queue ?? []).length;
  $('#summary').textContent = `${online} agents online · ${waiting} waiting`;

  const queued = new Set();
  for (const entry of view.queue ?? []) {
    const c = entry.conversation ?? {};
    queued.add(c.id);
    seen.set(c.id, { conversation: c, state: c.state ?? 'WAITING', deadlineAt: Number(c.deadlineAt ?? 0) });
  }
  // A conversation that left the queue was taken (or closed); the agents' load shows where.
  for (const [id, s] of seen) if (!queued.has(id) && (s.state === 'WAITING' || s.state === 'OFFERED')) s.state = 'TAKEN';
  renderConversations();

  fill($('#agents'), agents.map((a) => el('tr', { dataset: { agent: a.agentId } },
    el('td', {}, a.name || a.agentId), el('td', {}, (a.status ?? '').toLowerCase()),
    el('td', {}, `${a.active ?? 0}/${a.capacity ?? 0}`), el('td', {}, (a.skills ?? []).join(', ')))));
}

function renderConversations() {
  const now = client.serverNow();
  fill($('#conversations'), [...seen.values()].slice(-20).reverse().map(({ conversation: c, state, deadlineAt }) => {
    const left = deadlineAt ? (deadlineAt - now) / 1000 : null;
    return el('tr', { class: `tier-${c.tier}`, dataset: { conversation: c.id } },
      el('td', {}, c.customerName || c.customerId || ''), el('td', {}, c.tier ?? ''), el('td', {}, c.intent ?? ''),
      el('td', {}, state.toLowerCase()),
      el('td', {}, state === 'WAITING' || state === 'OFFERED' ? (left >= 0 ? `${left.toFixed(0)} s` : `late ${(-left).toFixed(0)} s`) : ''));
  }));
}

client.on('supervisorView', onView);
client.on('slaAlert', (alert) => {
  const c = alert.conversation ?? {};
  $('#alerts').prepend(el('li', { class: alert.kind ?? '' },
    `${time(alert.at ?? client.serverNow())} `, el('strong', {}, (alert.kind ?? '').toLowerCase()), ' ',
    `${c.tier ?? ''} · `, c.customerName || c.customerId || '', ' · ', c.intent ?? ''));
  while ($('#alerts').childElementCount > 50) $('#alerts').lastElementChild.remove();
});

// ------------------------------------------------------------------ the push funnel

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${storedLogin('supervisor').token}` } });
  if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
  return response.json();
}

async function readFunnel() {
  const note = $('#funnel-note');
  try {
    const { campaigns = [] } = await api(CAMPAIGNS);
    const newest = campaigns.slice(0, FUNNEL_CAMPAIGNS);
    const results = await Promise.all(newest.map((c) => api(`${CAMPAIGNS}/${encodeURIComponent(c.id)}`).then((r) => r.results ?? {})));
    const sum = (key) => results.reduce((n, r) => n + Number(r[key] ?? 0), 0);
    const values = [sum('delivered'), sum('claimed'), sum('converted')];
    charts.funnel.data.datasets[0].data = values;
    charts.funnel.update('none');
    note.textContent = `${newest.length} newest campaigns: ${values[0]} delivered, ${values[1]} claimed, ${values[2]} converted (reported by viewers' apps)`;
    note.dataset.values = values.join(',');
  } catch (e) {
    note.textContent = e.status === 401 || e.status === 403 ? 'the push funnel needs the admin role'
      : e.status === 404 ? 'no campaigns on this server' : 'push counts unavailable';
  }
}
setInterval(readFunnel, FUNNEL_POLL_MS);
readFunnel();

await client.connect();
try {
  await client.watchSupervisor(true);
} catch (e) {
  $('#summary').textContent = `live view unavailable: ${e.code}`;
}
document.body.dataset.ready = 'true';
