import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './ui.js';
import { NodePage } from './pages/node.js';
import { PeersPage } from './pages/peers.js';
import { LogPage } from './pages/log.js';
import { QueryPage } from './pages/query.js';
import { CodePage } from './pages/code.js';
import { ServicesPage } from './pages/services.js';

const pages = [
  ['node', 'Node', NodePage],
  ['peers', 'Peers', PeersPage],
  ['log', 'Log', LogPage],
  ['query', 'Query', QueryPage],
  ['code', 'Code', CodePage],
  ['services', 'Services', ServicesPage],
];

const current = () => (location.hash || '#node').slice(1);

function App() {
  const [page, setPage] = useState(current());
  useEffect(() => {
    const onHash = () => setPage(current());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const [, , Page] = pages.find(p => p[0] === page) || pages[0];
  return html`<header><h1>datom</h1><nav>${pages.map(([id, title]) =>
      html`<a id=${'nav-' + id} href=${'#' + id} class=${page === id ? 'current' : ''}>${title}</a>`)}</nav></header>
    <main><${Page} key=${page} /></main>`;
}

// The placeholder the HTML shell shows until this script runs goes: Preact renders into an empty root.
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
