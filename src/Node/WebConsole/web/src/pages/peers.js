import { getJson } from '../api.js';
import { html, usePoll, ErrorLine, bytes } from '../ui.js';

/** Connected, dialing and discovered peers, refreshed every second (`datom peers`). */
export function PeersPage() {
  const [p, error] = usePoll(() => getJson('/api/peers'), 1000);
  if (!p) return html`<${ErrorLine} error=${error} /><p>loading…</p>`;
  const connected = new Set(p.connected.map(c => c.node));
  return html`<section>
    <h2>Peers</h2>
    <${ErrorLine} error=${error} />
    <h3>Connected (${p.connected.length})</h3>
    <table id="peers-connected" class="grid">
      <thead><tr><th>node</th><th>address</th><th>direction</th><th>since</th><th>they lack</th><th>we lack</th><th>entries sent / received</th><th>bytes sent / received</th><th>agent</th></tr></thead>
      <tbody>${p.connected.map(c => html`<tr data-node=${c.node}>
        <td class="mono">${c.node}</td><td class="mono">${c.address}</td><td>${c.direction}</td><td>${c.since}</td>
        <td class=${c.they_lack ? 'warn' : ''}>${c.they_lack}</td><td class=${c.we_lack ? 'warn' : ''}>${c.we_lack}</td>
        <td>${c.entries_sent} / ${c.entries_received}</td><td>${bytes(c.bytes_sent)} / ${bytes(c.bytes_received)}</td><td>${c.agent}</td></tr>`)}</tbody>
    </table>
    <h3>Dialing</h3>
    <table class="grid"><thead><tr><th>address</th><th>node</th><th>state</th><th>failed attempts</th><th>last error</th></tr></thead>
      <tbody>${p.dialing.map(t => html`<tr><td class="mono">${t.address}</td><td class="mono">${t.node || '?'}</td><td>${t.state}</td><td>${t.failed_attempts}</td><td>${t.last_error || ''}</td></tr>`)}</tbody></table>
    <h3>Discovered by mDNS</h3>
    <table id="peers-discovered" class="grid"><thead><tr><th>node</th><th>instance</th><th>host:port</th><th>addresses</th><th>state</th><th>last seen</th></tr></thead>
      <tbody>${p.discovered.map(d => html`<tr data-node=${d.node}><td class="mono">${d.node}</td><td>${d.instance}</td><td>${d.host}:${d.port}</td>
        <td class="mono">${(d.addresses || []).join(' ')}</td>
        <td>${d.compatible ? (connected.has(d.node) ? 'connected' : 'discovered') : html`<span class="warn">not ours (${d.mismatch})</span>`}</td><td>${d.last_seen}</td></tr>`)}</tbody></table>
  </section>`;
}
