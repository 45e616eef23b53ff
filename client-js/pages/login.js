import { $, el, fill, mintToken, storedLogin, storeLogin } from './common.js';

const ROLES = { viewer: ['customer'], agent: ['agent'], supervisor: ['supervisor'] };
const PAGES = { viewer: 'Viewer', agent: 'Agent console', supervisor: 'Supervisor dashboard' };
const form = $('#login');

const wanted = new URLSearchParams(location.search).get('page');
if (wanted && ROLES[wanted]) form.elements.page.value = wanted;

function listPages() {
  fill($('#pages'), Object.entries(PAGES).map(([page, title]) => {
    const login = storedLogin(page);
    return el('li', {}, el('a', { href: `${page}.html` }, title), login ? ` (signed in as ${login.claims.sub})` : ' (not signed in)');
  }));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const page = data.get('page');
  const extra = String(data.get('extraRoles') ?? '').split(',').map((r) => r.trim()).filter(Boolean);
  const claims = {
    sub: String(data.get('sub')).trim(),
    name: String(data.get('name')).trim(),
    roles: [...new Set([...ROLES[page], ...extra])],
    tags: data.getAll('tags').map(String),
  };
  try {
    storeLogin(page, { claims, token: await mintToken(claims) });
    location.href = `${page}.html`;
  } catch (e) {
    $('#error').textContent = e.message;
  }
});

listPages();
