// Per-conversation ordering: every conversation message carries a sequence number, and the
// application must see each one exactly once and in order, across reconnects and resumes.
// Messages that arrive ahead of a gap (a live message overtaking the resume replay) wait here
// until the gap fills.

export class Sequencer {
  /** conversationId -> { last, pending: Map<seq, message> } */
  #conversations = new Map();

  constructor(cursors = {}) {
    for (const [id, last] of Object.entries(cursors)) this.track(id, last);
  }

  /** Starts (or moves forward) the cursor of a conversation: messages up to `lastSeq` are known. */
  track(conversationId, lastSeq = 0) {
    const c = this.#conversations.get(conversationId);
    if (!c) {
      this.#conversations.set(conversationId, { last: lastSeq, pending: new Map() });
    } else if (lastSeq > c.last) {
      c.last = lastSeq;
      for (const seq of c.pending.keys()) if (seq <= lastSeq) c.pending.delete(seq);
    }
  }

  forget(conversationId) {
    this.#conversations.delete(conversationId);
  }

  /** Every cursor, as the Resume frame wants them. */
  cursors() {
    return [...this.#conversations].map(([conversationId, c]) => ({ conversationId, lastSeq: c.last }));
  }

  lastSeq(conversationId) {
    return this.#conversations.get(conversationId)?.last;
  }

  /**
   * Takes one message; returns { ready: messages now in order to hand over, duplicate, gap }.
   * A conversation seen for the first time starts at this message.
   */
  accept(message) {
    const seq = Number(message.seq);
    let c = this.#conversations.get(message.conversationId);
    if (!c) {
      c = { last: seq - 1, pending: new Map() };
      this.#conversations.set(message.conversationId, c);
    }
    if (seq <= c.last || c.pending.has(seq)) return { ready: [], duplicate: true, gap: c.pending.size > 0 };
    c.pending.set(seq, message);
    const ready = [];
    while (c.pending.has(c.last + 1)) {
      c.last += 1;
      ready.push(c.pending.get(c.last));
      c.pending.delete(c.last);
    }
    return { ready, duplicate: false, gap: c.pending.size > 0 };
  }

  /**
   * Gives up waiting for a gap that the server could not fill: hands over what waits, in order.
   */
  flush(conversationId) {
    const c = this.#conversations.get(conversationId);
    if (!c || c.pending.size === 0) return [];
    const ready = [...c.pending.keys()].sort((a, b) => a - b).map((seq) => c.pending.get(seq));
    c.last = Number(ready.at(-1).seq);
    c.pending.clear();
    return ready;
  }

  /** Conversations with messages waiting behind a gap. */
  gaps() {
    return [...this.#conversations].filter(([, c]) => c.pending.size > 0).map(([id]) => id);
  }
}
