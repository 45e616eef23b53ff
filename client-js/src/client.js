// The Livedesk client: one WebSocket session that survives reconnects. It authenticates with a
// token (and fetches fresh ones before they expire), reconnects with backoff as the close code
// allows, resumes every conversation from its last sequence number, resends unacknowledged
// messages with their client ids, and turns frames into typed events and request promises.

import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { ClientErrorCode, closeAction, LivedeskError } from './codes.js';
import { Emitter } from './emitter.js';
import { jsonEncoding } from './json.js';
import { Sequencer } from './sequencer.js';

export const SDK_VERSION = '0.1.0';

const DEFAULTS = Object.freeze({
  requestTimeoutMs: 10_000,
  refreshMarginMs: 30_000,
  gapTimeoutMs: 2_000,
  backoff: DEFAULT_BACKOFF,
});

/** Envelope keys that are not the body. */
const ENVELOPE = new Set(['id', 'replyTo']);

/** The body type of a frame ('pong', 'roomMessage', ...). */
export function bodyType(frame) {
  for (const key of Object.keys(frame)) if (!ENVELOPE.has(key)) return key;
  return undefined;
}

function randomId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function defaultUrl() {
  const location = globalThis.location;
  if (!location) throw new Error('no url given and no page location to derive it from');
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

export class LivedeskClient extends Emitter {
  #options;
  #encoding;
  #WebSocket;
  #token;
  #socket = null;
  #state = 'idle';
  #welcome = null;
  #serverOffsetMs = 0;
  #tokenExpiresAt = 0;
  #nextId = 1;
  #pending = new Map(); // frame id -> { resolve, reject, timer }
  #outbox = new Map(); // clientMsgId -> { send, resolve, reject, frameId }
  #sequencer;
  #rooms = new Set();
  #agentStatus = null;
  #watching = false;
  #attempt = 0;
  #reconnectTimer = null;
  #refreshTimer = null;
  #gapTimers = new Map();
  #connected = null; // { promise, resolve, reject } until the first welcome
  #helloError = null; // why the server refused the last hello, if it did
  #stats = { reconnects: 0, duplicates: 0, resent: 0 };

  /**
   * @param {object} options see index.d.ts (ClientOptions)
   */
  constructor(options = {}) {
    super();
    this.#options = { ...DEFAULTS, ...options, backoff: { ...DEFAULTS.backoff, ...options.backoff } };
    this.#encoding = options.encoding ?? jsonEncoding;
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (!this.#WebSocket) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. from the ws package)');
    if (!options.token && !options.getToken) throw new Error('a token or a getToken callback is required');
    this.#token = options.token ?? null;
    this.#sequencer = new Sequencer(options.cursors);
  }

  get state() {
    return this.#state;
  }

  /** The server's Welcome for the current (or last) session. */
  get welcome() {
    return this.#welcome;
  }

  get userId() {
    return this.#welcome?.userId;
  }

  get encoding() {
    return this.#encoding.name;
  }

  get stats() {
    return { ...this.#stats, outbox: this.#outbox.size };
  }

  /** Server time now, in epoch milliseconds, as far as the last welcome tells. */
  serverNow() {
    return Date.now() + this.#serverOffsetMs;
  }

  /** The last sequence number seen per conversation: persist it to resume after a page reload. */
  cursors() {
    return Object.fromEntries(this.#sequencer.cursors().map((c) => [c.conversationId, c.lastSeq]));
  }

  /**
   * Opens the session. Resolves with the Welcome once authenticated; keeps retrying through
   * transient failures, and rejects only when the close code says reconnecting cannot help.
   */
  connect() {
    if (this.#connected) return this.#connected.promise;
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#connected = { promise, resolve, reject };
    if (this.#welcome && this.#state === 'open') resolve(this.#welcome);
    else if (this.#state === 'idle' || this.#state === 'closed') {
      this.#attempt = 0;
      this.#open();
    }
    return promise;
  }

  /** Closes the session for good: no reconnect; waiting requests and the outbox are rejected. */
  close() {
    this.#stop(new LivedeskError(ClientErrorCode.CLOSED, 'the client was closed'));
    this.#socket?.close(1000, 'client closed');
    this.#socket = null;
  }

  // ------------------------------------------------------------------ requests

  /**
   * Sends a frame with a body of `type` and resolves with the reply frame (an envelope whose
   * body is, e.g., `pong`); rejects with a LivedeskError on an error frame, a timeout or a drop.
   */
  request(type, body = {}, { timeoutMs = this.#options.requestTimeoutMs } = {}) {
    return new Promise((resolve, reject) => {
      if (this.#state !== 'open') {
        reject(new LivedeskError(ClientErrorCode.DISCONNECTED, `not connected (${this.#state})`));
        return;
      }
      const id = this.#transmit(type, body);
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new LivedeskError(ClientErrorCode.TIMEOUT, `no answer to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
  }

  /** Sends a frame that has no answer (typing, read, ...). Returns false when not connected. */
  notify(type, body = {}) {
    if (this.#state !== 'open') return false;
    this.#transmit(type, body);
    return true;
  }

  async ping() {
    const sent = Date.now();
    const reply = await this.request('ping', { clientTime: String(sent) });
    return { rttMs: Date.now() - sent, serverTime: Number(reply.pong.serverTime) };
  }

  // ------------------------------------------------------------------ rooms

  async joinRoom(roomId) {
    const reply = await this.request('joinRoom', { roomId });
    this.#rooms.add(roomId);
    return reply.roomJoined ?? {};
  }

  async leaveRoom(roomId) {
    this.#rooms.delete(roomId);
    return this.request('leaveRoom', { roomId });
  }

  say(roomId, text, { clientMsgId = randomId() } = {}) {
    return this.request('say', { roomId, text, clientMsgId });
  }

  async roomHistory(roomId, { beforeMessageId, limit } = {}) {
    return (await this.request('roomHistory', { roomId, beforeMessageId, limit })).roomHistoryPage;
  }

  pin(roomId, { productId, announcement, clear } = {}) {
    return this.request('pin', { roomId, productId, announcement, clear });
  }

  moderate(moderation) {
    return this.request('moderate', moderation);
  }

  // ------------------------------------------------------------------ conversations

  /** Opens a conversation with customer service; resolves with the reply (the conversation). */
  async ask({ text, roomId, productId, streamTs, orderId, clientMsgId = randomId() }) {
    const reply = await this.request('ask', {
      text, roomId, productId, streamTs: streamTs == null ? undefined : String(streamTs), orderId, clientMsgId,
    });
    return reply.conversation?.conversation ?? reply[bodyType(reply)];
  }

  /**
   * Sends a message in a conversation through the outbox: it is resent with the same client id
   * after a reconnect until the server acknowledges it. Resolves with the Ack.
   */
  sendMessage(conversationId, text, { clientMsgId = randomId() } = {}) {
    return new Promise((resolve, reject) => {
      const entry = { send: { conversationId, clientMsgId, text }, resolve, reject, frameId: null };
      this.#outbox.set(clientMsgId, entry);
      if (this.#state === 'open') this.#sendFromOutbox(entry);
    });
  }

  typing(conversationId, typing = true) {
    return this.notify('typing', { conversationId, typing });
  }

  markRead(conversationId, seq) {
    return this.notify('read', { conversationId, seq });
  }

  /** Pages backwards through a conversation (oldest first within the page). */
  async history(conversationId, { beforeSeq, limit } = {}) {
    const page = (await this.request('history', { conversationId, beforeSeq, limit })).historyPage ?? { messages: [] };
    const newest = Math.max(0, ...(page.messages ?? []).map((m) => Number(m.seq)));
    // A conversation first seen through its history continues after it.
    if (this.#sequencer.lastSeq(conversationId) === undefined && !beforeSeq) this.#sequencer.track(conversationId, newest);
    return page;
  }

  transfer(conversationId, { toAgentId, note } = {}) {
    return this.request('transfer', { conversationId, toAgentId, note });
  }

  closeConversation(conversationId, { reason, resolved = true } = {}) {
    return this.request('close', { conversationId, reason, resolved });
  }

  rate(conversationId, stars, comment) {
    return this.request('rate', { conversationId, stars, comment });
  }

  // ------------------------------------------------------------------ agents and supervisors

  /** Goes online/away/offline; restored after a reconnect. Resolves with the server's AgentStatus. */
  async setAgentStatus({ status = 'ONLINE', capacity, skills, displayName } = {}) {
    this.#agentStatus = { status, capacity, skills, displayName };
    const reply = await this.request('agentStatus', this.#agentStatus);
    return reply.agentStatus ?? {};
  }

  acceptOffer(offerId, conversationId) {
    return this.request('accept', { offerId, conversationId });
  }

  declineOffer(offerId, reason) {
    return this.request('decline', { offerId, reason });
  }

  /** Subscribes to the supervisor view (kept across reconnects) or stops it. */
  watchSupervisor(on = true) {
    this.#watching = on;
    return this.request('supervisorWatch', { on });
  }

  assign(conversationId, agentId) {
    return this.request('assign', { conversationId, agentId });
  }

  // ------------------------------------------------------------------ pushes and signals

  async claim(campaignId, couponId) {
    return (await this.request('claim', { campaignId, couponId })).claimResult;
  }

  pushOpened(pushId, campaignId) {
    return this.notify('pushOpened', { pushId, campaignId });
  }

  signal(signal) {
    return this.notify('signal', signal);
  }

  // ------------------------------------------------------------------ the connection

  #setState(state) {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  async #open() {
    this.#setState(this.#stats.reconnects > 0 || this.#welcome ? 'reconnecting' : 'connecting');
    let token;
    try {
      token = await this.#currentToken();
    } catch (e) {
      this.emit('error', new LivedeskError(ClientErrorCode.DISCONNECTED, `getToken failed: ${e.message}`));
      this.#scheduleReconnect(false);
      return;
    }
    if (this.#state === 'closed') return;
    let socket;
    try {
      socket = new this.#WebSocket(this.#options.url ?? defaultUrl(), [this.#encoding.subprotocol]);
    } catch (e) {
      this.emit('error', new LivedeskError(ClientErrorCode.DISCONNECTED, e.message));
      this.#scheduleReconnect(false);
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.onopen = () => this.#hello(socket, token);
    socket.onmessage = (event) => this.#received(socket, event.data);
    socket.onclose = (event) => this.#closed(socket, event.code, event.reason);
    socket.onerror = () => {}; // a close event always follows
  }

  /** The token to connect with: the current one, or a fresh one when it is missing or about to expire. */
  async #currentToken() {
    const stale = this.#tokenExpiresAt && this.#tokenExpiresAt - this.serverNow() < this.#options.refreshMarginMs / 2;
    if ((!this.#token || stale) && this.#options.getToken) this.#token = await this.#options.getToken();
    return this.#token;
  }

  #hello(socket, token) {
    if (socket !== this.#socket) return;
    const id = this.#transmit('hello', { token, client: `livedesk-js/${SDK_VERSION}` }, { unpaced: true });
    this.#pending.set(id, {
      resolve: (frame) => this.#welcomed(frame.welcome),
      reject: (error) => {
        this.#helloError = error;
        this.emit('error', error);
      },
      timer: null,
    });
  }

  #welcomed(welcome) {
    this.#welcome = welcome;
    this.#serverOffsetMs = Number(welcome.serverTime) - Date.now();
    this.#tokenExpiresAt = Number(welcome.tokenExpiresAt);
    this.#pacer.configure(welcome.limits);
    this.#helloError = null;
    this.#attempt = 0;
    this.#setState('open');
    this.#scheduleRefresh();
    this.emit('welcome', welcome);
    this.#connected?.resolve(welcome);
    this.#restore();
  }

  /** After a (re)connect: resume conversations, then resend the outbox; rejoin rooms, restore status. */
  async #restore() {
    for (const roomId of this.#rooms) {
      this.request('joinRoom', { roomId }).catch((e) => this.emit('error', e));
    }
    if (this.#agentStatus) this.request('agentStatus', this.#agentStatus).catch((e) => this.emit('error', e));
    if (this.#watching) this.request('supervisorWatch', { on: true }).catch((e) => this.emit('error', e));
    const cursors = this.#sequencer.cursors();
    if (cursors.length > 0) {
      try {
        await this.#resume(cursors);
      } catch (e) {
        this.emit('error', e);
      }
    }
    for (const entry of this.#outbox.values()) {
      if (this.#state !== 'open') return;
      if (entry.frameId === null || !this.#pending.has(entry.frameId)) {
        this.#stats.resent += entry.everSent ? 1 : 0;
        this.#sendFromOutbox(entry);
      }
    }
  }

  async #resume(cursors) {
    const reply = await this.request('resume', { cursors });
    // Whatever still waits behind a gap now is not coming: hand it over in order.
    for (const conversationId of this.#sequencer.gaps()) {
      this.emit('gap', { conversationId });
      for (const message of this.#sequencer.flush(conversationId)) this.emit('message', message);
    }
    this.emit('resumed', reply.resumed ?? {});
  }

  #sendFromOutbox(entry) {
    entry.everSent = true;
    entry.frameId = this.#transmit('send', entry.send);
    // The Ack settles the entry; an error reply to this frame settles it too (see #settle).
    this.#pending.set(entry.frameId, {
      resolve: () => {},
      reject: (error) => {
        if (error.code === ClientErrorCode.DISCONNECTED) return; // stays in the outbox
        if (error.retryable && this.#outbox.has(entry.send.clientMsgId)) {
          setTimeout(() => this.#state === 'open' && this.#sendFromOutbox(entry), error.retryAfterMs || 1000);
          return;
        }
        this.#outbox.delete(entry.send.clientMsgId);
        entry.reject(error);
      },
      timer: null,
      outbox: true,
    });
  }

  #transmit(type, body, { unpaced = false } = {}) {
    const id = String(this.#nextId++);
    const data = this.#encoding.encode({ id, [type]: body });
    if (unpaced) this.#socket.send(data);
    else this.#pacer.send(data);
    return id;
  }

  /** Keeps outgoing frames within the server's rate limit, so a burst is delayed instead of refused. */
  #pacer = (() => {
    const client = this;
    let rate = 20;
    let burst = 40;
    let tokens = burst;
    let refilledAt = Date.now();
    let queue = [];
    let timer = null;
    const refill = () => {
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - refilledAt) * rate) / 1000);
      refilledAt = now;
    };
    const drain = () => {
      timer = null;
      refill();
      while (queue.length > 0 && tokens >= 1) {
        tokens -= 1;
        client.#socket?.send(queue.shift());
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.ceil(1000 / rate));
    };
    return {
      configure(limits) {
        // Stay a little under the server's limits: its clock and ours tick apart.
        rate = Math.max(1, (limits?.framesPerSecond ?? 20) * 0.9);
        burst = Math.max(1, Math.floor((limits?.frameBurst ?? 40) * 0.9));
        tokens = Math.min(tokens, burst);
      },
      send(data) {
        queue.push(data);
        if (!timer) drain();
      },
      reset() {
        queue = [];
        if (timer) clearTimeout(timer);
        timer = null;
      },
    };
  })();

  #received(socket, data) {
    if (socket !== this.#socket) return;
    let frame;
    try {
      frame = this.#encoding.decode(data);
    } catch (e) {
      this.emit('error', new LivedeskError('BAD_FRAME', `undecodable frame from the server: ${e.message}`));
      return;
    }
    this.emit('frame', frame);
    const type = bodyType(frame);
    const waiting = frame.replyTo ? this.#pending.get(frame.replyTo) : undefined;
    if (type === 'error') {
      const error = LivedeskError.fromFrame(frame.error);
      if (waiting) this.#settle(frame.replyTo, waiting, null, error);
      else this.emit('error', error);
      return;
    }
    this.#dispatch(type, frame[type]);
    if (waiting) this.#settle(frame.replyTo, waiting, frame, null);
  }

  #settle(id, waiting, frame, error) {
    this.#pending.delete(id);
    clearTimeout(waiting.timer);
    if (error) waiting.reject(error);
    else waiting.resolve(frame);
  }

  /** Turns a frame body into its typed event(s). */
  #dispatch(type, body) {
    switch (type) {
      case 'message':
        this.#message(body);
        break;
      case 'ack':
        this.#ack(body);
        break;
      case 'roomBatch':
        for (const m of body.messages ?? []) this.emit('roomMessage', m);
        break;
      case 'conversation':
        if (body.conversation) this.emit('conversation', body.conversation);
        break;
      case 'tokenRefreshed':
        this.#tokenExpiresAt = Number(body.expiresAt);
        this.#scheduleRefresh();
        this.emit('tokenRefreshed', body);
        break;
      case 'welcome':
        break; // handled by the hello request
      default:
        if (type) this.emit(type, body);
    }
  }

  #message(message) {
    const { ready, duplicate, gap } = this.#sequencer.accept(message);
    if (duplicate) this.#stats.duplicates += 1;
    for (const m of ready) this.emit('message', m);
    if (gap) this.#watchGap(message.conversationId);
  }

  /** Our own message, once stored, takes its place in the sequence even if the server does not echo it. */
  #ack(ack) {
    const entry = this.#outbox.get(ack.clientMsgId);
    if (entry) {
      this.#outbox.delete(ack.clientMsgId);
      if (entry.frameId) {
        const waiting = this.#pending.get(entry.frameId);
        if (waiting) this.#settle(entry.frameId, waiting, null, null);
      }
      this.#message({
        conversationId: ack.conversationId,
        seq: ack.seq,
        senderId: this.userId,
        text: entry.send.text,
        clientMsgId: ack.clientMsgId,
        at: ack.at,
        own: true,
      });
      entry.resolve(ack);
    }
    this.emit('ack', ack);
  }

  /** A gap that does not fill by itself soon is asked for with a resume of that conversation. */
  #watchGap(conversationId) {
    if (this.#gapTimers.has(conversationId)) return;
    this.#gapTimers.set(conversationId, setTimeout(() => {
      this.#gapTimers.delete(conversationId);
      if (!this.#sequencer.gaps().includes(conversationId) || this.#state !== 'open') return;
      const lastSeq = this.#sequencer.lastSeq(conversationId);
      this.#resume([{ conversationId, lastSeq }]).catch((e) => this.emit('error', e));
    }, this.#options.gapTimeoutMs));
  }

  #scheduleRefresh() {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
    if (!this.#options.getToken || !this.#tokenExpiresAt) return;
    const left = this.#tokenExpiresAt - this.serverNow();
    const delay = Math.max(0, left - Math.min(this.#options.refreshMarginMs, left / 3));
    this.#refreshTimer = setTimeout(() => this.#refresh(), delay);
  }

  async #refresh() {
    if (this.#state !== 'open') return;
    try {
      this.#token = await this.#options.getToken();
      await this.request('refreshToken', { token: this.#token });
    } catch (e) {
      this.emit('error', e);
      // Try again while the old token still holds; after that the server closes with 4002.
      if (this.#tokenExpiresAt - this.serverNow() > 1000) {
        this.#refreshTimer = setTimeout(() => this.#refresh(), 1000);
      }
    }
  }

  #closed(socket, code, reason) {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#pacer.reset();
    clearTimeout(this.#refreshTimer);
    for (const timer of this.#gapTimers.values()) clearTimeout(timer);
    this.#gapTimers.clear();
    const dropped = new LivedeskError(ClientErrorCode.DISCONNECTED, `connection closed (${code})`);
    for (const [id, waiting] of [...this.#pending]) this.#settle(id, waiting, null, dropped);
    if (this.#state === 'closed') return;
    const { name, action, slowDown } = closeAction(code);
    const willReconnect = action !== 'stop' && !(action === 'newToken' && !this.#options.getToken);
    this.emit('close', { code, reason, name, willReconnect });
    if (!willReconnect) {
      this.#stop(this.#helloError
        ?? new LivedeskError(ClientErrorCode.CLOSED, `the server closed the session: ${name} (${code})`));
      return;
    }
    if (action === 'newToken') {
      this.#token = null;
      this.#tokenExpiresAt = 0;
    }
    this.#scheduleReconnect(slowDown, action === 'newToken');
  }

  /** Backs off before the next try; a first expired token is replaced at once. */
  #scheduleReconnect(slowDown, newToken = false) {
    this.#setState('reconnecting');
    const delay = newToken && this.#attempt === 0 ? 0 : backoffDelay(this.#attempt + (slowDown ? 3 : 0), this.#options.backoff);
    this.#attempt += 1;
    this.#stats.reconnects += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#state !== 'closed') this.#open();
    }, delay);
  }

  #stop(error) {
    this.#setState('closed');
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#refreshTimer);
    for (const timer of this.#gapTimers.values()) clearTimeout(timer);
    this.#gapTimers.clear();
    this.#pacer.reset();
    for (const [id, waiting] of [...this.#pending]) this.#settle(id, waiting, null, error);
    for (const entry of this.#outbox.values()) entry.reject(error);
    this.#outbox.clear();
    this.#connected?.reject(error);
    this.#connected = null;
  }
}
