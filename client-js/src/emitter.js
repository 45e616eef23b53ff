// A small typed-event emitter: on() returns the function that unsubscribes.

export class Emitter {
  #listeners = new Map();

  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  once(type, listener) {
    const off = this.on(type, (event) => {
      off();
      listener(event);
    });
    return off;
  }

  off(type, listener) {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Resolves with the next event of `type` that matches `filter`. */
  next(type, filter = () => true) {
    return new Promise((resolve) => {
      const off = this.on(type, (event) => {
        if (filter(event)) {
          off();
          resolve(event);
        }
      });
    });
  }

  emit(type, event) {
    const listeners = this.#listeners.get(type);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (e) {
        // One broken listener must not stop the others or the connection.
        console.error(`livedesk: a '${type}' listener failed`, e);
      }
    }
  }
}
