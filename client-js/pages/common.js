// What the reference pages share: the dev login's stored identity, the SDK client for a page,
// and DOM helpers that only ever put user data into the page as text.

import { LivedeskClient, protobufEncoding } from './sdk/index.js';

const KEY = 'livedesk.login.';

/** The identity the login page stored for `page` ('viewer', 'agent', 'supervisor'). */
export function storedLogin(page) {
  try {
    return JSON.parse(localStorage.getItem(KEY + page) ?? 'null');
  } catch {
    return null;
  }
}

export function storeLogin(page, login) {
  localStorage.setItem(KEY + page, JSON.stringify(login));
}

/** Asks this node's dev login for a token (dev mode only). */
export async function mintToken({ sub, name, roles, tags, ttlSeconds }) {
  const response = await fetch('/api/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sub, name, roles, tags, ttlSeconds }),
  });
  if (response.status === 404) throw new Error('this server is not in dev mode: it mints no tokens');
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body.token;
}

/**
 * The page's client, connected with the stored login (fresh tokens come from the dev login).
 * Sends to the login page when there is none. `?encoding=protobuf` shows the mobile path.
 */
export async function pageClient(page) {
  const login = storedLogin(page);
  if (!login) {
    location.href = `login.html?page=${encodeURIComponent(page)}`;
    return new Promise(() => {});
  }
  const params = new URLSearchParams(location.search);
  const encoding = params.get('encoding') === 'protobuf' ? await protobufEncoding() : undefined;
  const client = new LivedeskClient({
    token: login.token,
    getToken: () => mintToken(login.claims).then((token) => {
      storeLogin(page, { ...login, token });
      return token;
    }),
    encoding,
  });
  globalThis.livedesk = client; // for the console and the browser tests
  return client;
}

/**
 * Builds an element. Strings among the children become text nodes, so user data can never
 * turn into markup; attributes are set as properties or plain attributes, never as HTML.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content with the given children (text or nodes). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function time(ms) {
  return new Date(Number(ms)).toLocaleTimeString();
}

/** Shows the connection state in the page header. */
export function showConnection(client, node) {
  const render = (state) => {
    node.textContent = state;
    node.dataset.state = state;
  };
  render(client.state);
  client.on('state', render);
  client.on('close', (e) => {
    if (!e.willReconnect) node.textContent = `closed: ${e.name}`;
  });
}
