// The viewer page: a live room's chat that stays smooth under heavy traffic (messages are
// rendered in one batch per animation frame and the list is capped), the viewer count, the
// pinned product, coupon pop-ups with a claim button, and a 1:1 chat with customer service.

import { $, el, fill, pageClient, showConnection, storedLogin, time } from './common.js';

const MAX_ROOM_MESSAGES = 200;
const params = new URLSearchParams(location.search);
const roomId = params.get('room') || 'demo';
const startedAt = Date.now(); // stands in for the live stream's clock

const client = await pageClient('viewer');
const me = storedLogin('viewer').claims;
$('#room-name').textContent = roomId;
$('#who').textContent = `${me.name || me.sub}${me.tags?.length ? ` · ${me.tags.join(', ')}` : ''}`;
showConnection(client, $('#conn'));

// ------------------------------------------------------------------ room chat

const roomList = $('#room-messages');
let incoming = [];
let frameRequested = false;
let pinnedProductId = params.get('product') || '';

function roomLine(m) {
  return el('li', { class: m.userId === client.userId ? 'mine' : '', dataset: { id: m.messageId ?? '' } },
    el('span', { class: 'who' }, m.userName || m.userId || '?'),
    el('span', { class: 'text' }, m.text ?? ''));
}

/** One DOM update per animation frame, whatever the message rate; only the newest survive. */
function flushRoom() {
  frameRequested = false;
  const batch = incoming.slice(-MAX_ROOM_MESSAGES);
  incoming = [];
  const atBottom = roomList.scrollTop + roomList.clientHeight >= roomList.scrollHeight - 40;
  const fragment = document.createDocumentFragment();
  for (const m of batch) fragment.append(roomLine(m));
  roomList.append(fragment);
  let excess = roomList.childElementCount - MAX_ROOM_MESSAGES;
  while (excess-- > 0) roomList.firstElementChild.remove();
  if (atBottom) roomList.scrollTop = roomList.scrollHeight;
}

function queueRoomMessage(m) {
  if (m.roomId && m.roomId !== roomId) return;
  incoming.push(m);
  if (incoming.length > MAX_ROOM_MESSAGES * 2) incoming = incoming.slice(-MAX_ROOM_MESSAGES);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(flushRoom);
  }
}

function showPinned(pinned) {
  if (!pinned || (pinned.roomId && pinned.roomId !== roomId)) return;
  pinnedProductId = pinned.productId || pinnedProductId;
  $('#pinned-product').textContent = pinned.productId ? `Product ${pinned.productId}` : 'nothing pinned';
  $('#pinned-announcement').textContent = pinned.announcement ?? '';
}

client.on('roomMessage', queueRoomMessage);
client.on('viewerCount', (v) => {
  if (!v.roomId || v.roomId === roomId) $('#viewers').textContent = String(v.count ?? 0);
});
client.on('pinned', showPinned);
// After a reconnect the SDK joins the room again: take the fresh count and pin.
client.on('roomJoined', (joined) => {
  if (joined.roomId !== roomId) return;
  if (joined.viewers != null) $('#viewers').textContent = String(joined.viewers);
  showPinned(joined.pinned);
});
client.on('roomNotice', (n) => {
  if (n.roomId && n.roomId !== roomId) return;
  if (n.kind === 'MESSAGE_DELETED' && n.messageId) {
    roomList.querySelector(`li[data-id="${CSS.escape(n.messageId)}"]`)?.remove();
  }
  $('#room-status').textContent = [n.kind?.toLowerCase().replaceAll('_', ' '), n.text].filter(Boolean).join(': ');
});

$('#say').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  try {
    await client.say(roomId, text);
  } catch (e) {
    $('#room-status').textContent = `not sent: ${e.code}`;
  }
});

// ------------------------------------------------------------------ customer service

let conversation = null;
const supportList = $('#support-messages');

const ROLE_CLASS = { CUSTOMER: 'mine', AGENT: 'agent', BOT_SENDER: 'bot', SYSTEM: 'system' };

function supportLine(m) {
  const role = m.own ? 'CUSTOMER' : m.senderRole;
  const who = role === 'CUSTOMER' ? 'You' : role === 'BOT_SENDER' ? (m.senderName || 'Bot') : (m.senderName || m.senderId || '');
  return el('li', { class: ROLE_CLASS[role] ?? '', dataset: { seq: String(m.seq) } },
    el('span', { class: 'who' }, who),
    el('span', { class: 'text' }, m.text ?? ''),
    el('span', { class: 'muted' }, ` ${time(m.at ?? Date.now())}`));
}

function showAnswering(c) {
  const text = {
    BOT: 'The Livedesk bot is answering',
    WAITING: `Waiting for an agent (${c.tier ?? 'normal'} priority)`,
    OFFERED: 'An agent is being connected',
    ACTIVE: `${c.agentName || c.agentId} (agent) is answering`,
    RESOLVED: 'Resolved. Thank you!',
    CLOSED: 'This conversation is closed',
  }[c.state] ?? '';
  $('#answering').textContent = text;
  $('#answering').dataset.state = c.state ?? '';
  $('#ask-button').textContent = c.state === 'RESOLVED' || c.state === 'CLOSED' ? 'Ask again' : 'Send';
}

client.on('conversation', (c) => {
  if (conversation && c.id === conversation.id) {
    conversation = c;
    showAnswering(c);
  }
});
client.on('message', (m) => {
  if (conversation && m.conversationId === conversation.id) {
    supportList.append(supportLine(m));
    supportList.scrollTop = supportList.scrollHeight;
  }
});

$('#ask').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = event.target.elements.text;
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  $('#support-error').textContent = '';
  try {
    if (conversation && conversation.state !== 'RESOLVED' && conversation.state !== 'CLOSED') {
      await client.sendMessage(conversation.id, text);
    } else {
      fill(supportList);
      // Set before the answer so that the bot's first message, which may come first, is shown.
      conversation = { id: null, state: 'BOT' };
      const pending = client.ask({ text, roomId, productId: pinnedProductId || undefined, streamTs: Date.now() - startedAt });
      const early = [];
      const offEarly = client.on('message', (m) => early.push(m));
      try {
        conversation = await pending;
      } finally {
        offEarly();
      }
      showAnswering(conversation);
      for (const m of early) if (m.conversationId === conversation.id) supportList.append(supportLine(m));
    }
  } catch (e) {
    $('#support-error').textContent = `not sent: ${e.code ?? e.message}`;
  }
});

// ------------------------------------------------------------------ pushes

let currentPush = null;

function couponValue(c) {
  if (c.percentOff) return `${c.percentOff}% off`;
  const cents = Number(c.amountCents ?? 0);
  return `${(cents / 100).toFixed(2)} off`;
}

function localized(text) {
  if (!text) return '';
  return (navigator.language?.startsWith('zh') ? text.zh || text.en : text.en || text.zh) ?? '';
}

client.on('push', (push) => {
  if (push.coupon) {
    currentPush = push;
    $('#coupon-title').textContent = localized(push.coupon.title) || 'A coupon for you';
    $('#coupon-value').textContent = couponValue(push.coupon);
    $('#coupon-expiry').textContent = push.coupon.expiresAt ? `until ${time(push.coupon.expiresAt)}` : '';
    $('#claim-result').textContent = '';
    $('#claim').disabled = false;
    $('#coupon').classList.remove('hidden');
  } else if (push.prompt) {
    $('#prompts').classList.remove('hidden');
    $('#prompt-list').append(el('li', {}, localized(push.prompt.text),
      push.prompt.productId ? el('span', { class: 'muted' }, ` (product ${push.prompt.productId})`) : null));
  }
  client.pushOpened(push.pushId, push.campaignId);
});

$('#claim').addEventListener('click', async () => {
  if (!currentPush) return;
  $('#claim').disabled = true;
  try {
    const result = await client.claim(currentPush.campaignId, currentPush.coupon.couponId);
    $('#claim-result').textContent = result.granted
      ? `Claimed! Your coupon: ${result.grantId}`
      : `Not claimed: ${String(result.reason ?? '').toLowerCase().replaceAll('_', ' ')}`;
    $('#claim-result').dataset.granted = String(Boolean(result.granted));
  } catch (e) {
    $('#claim-result').textContent = `Not claimed: ${e.code}`;
    $('#claim').disabled = false;
  }
});
$('#coupon-close').addEventListener('click', () => $('#coupon').classList.add('hidden'));

// ------------------------------------------------------------------ start

await client.connect();
try {
  const joined = await client.joinRoom(roomId);
  for (const m of joined.history ?? []) queueRoomMessage(m);
} catch (e) {
  $('#room-status').textContent = `room chat unavailable: ${e.code}`;
}
document.body.dataset.ready = 'true';
