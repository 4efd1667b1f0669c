import { getJson } from '../api.js';
import { html, usePoll, ErrorLine, bytes, short } from '../ui.js';

/** The node: id, mesh, daemon, HLC and clock skew, log size, index lag (`datom status`). */
export function NodePage() {
  const [s, error] = usePoll(() => getJson('/api/status'), 2000);
  if (!s) return html`<${ErrorLine} error=${error} /><p>loading…</p>`;
  const skew = s.clock.hlc_ahead_ms;
  const offsets = s.peers.filter(p => p.clock_offset_ms != null && Math.abs(p.clock_offset_ms) > 1000);
  return html`<section>
    <h2>Node</h2>
    <${ErrorLine} error=${error} />
    <dl class="facts">
      <dt>node id</dt><dd id="node-id" class="mono">${s.node}</dd>
      <dt>mesh</dt><dd class="mono">${s.mesh || '(no mesh key)'}</dd>
      <dt>data</dt><dd class="mono">${s.data}</dd>
      <dt>daemon</dt><dd>${s.daemon ? `pid ${s.daemon.pid}, since ${s.daemon.started}, sync on ${s.daemon.listen || 'dial only'}, mDNS ${s.daemon.mdns ? 'on' : 'off'}` : 'not running'}</dd>
      <dt>clock</dt><dd>wall ${s.clock.wall}; HLC <span class="mono">${s.clock.hlc}</span>
        ${skew > 0 ? html` <span class="warn">HLC ${(skew / 1000).toFixed(1)} s ahead of the wall clock</span>` : ' (in step)'}</dd>
      <dt>clock skew</dt><dd id="clock-skew">${offsets.length === 0 ? 'no peer more than 1 s off'
        : offsets.map(p => html`<div><span class="mono">${short(p.node)}</span> ${(p.clock_offset_ms / 1000).toFixed(1)} s</div>`)}</dd>
      <dt>log</dt><dd id="log-size">${s.entries} entries in ${s.segments} segment(s), ${bytes(s.log_bytes)}; ${s.held} held awaiting parents</dd>
      <dt>index</dt><dd id="index-lag">${s.index_applied} entries applied, lag ${s.index_lag}</dd>
      <dt>forks</dt><dd>${s.forks}</dd>
      <dt>frontier</dt><dd>${s.frontier.length} head(s)</dd>
    </dl>
    <h3>Authors</h3>
    <table class="grid"><thead><tr><th>author</th><th>entries</th><th>max seq</th><th>heads</th></tr></thead>
      <tbody>${s.authors.map(a => html`<tr><td class="mono">${a.author}${a.author === s.node ? ' (this node)' : ''}</td><td>${a.entries}</td><td>${a.max_seq}</td><td>${a.heads > 1 ? html`<span class="warn">${a.heads} (forked)</span>` : a.heads}</td></tr>`)}</tbody></table>
  </section>`;
}
