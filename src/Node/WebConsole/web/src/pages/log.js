import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { layout } from '../dag.js';
import { html, ErrorLine, short, authorColor } from '../ui.js';

const ROW = 28;
const LANE = 18;
const PAGE = 50;

/** The log, a page at a time (the server reads only that page), newest page first, with its DAG. */
export function LogPage() {
  const [from, setFrom] = useState(null); // null: the newest page
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [goto, setGoto] = useState('');
  const load = async f => {
    try {
      const p = await getJson(`/api/log?limit=${PAGE}${f == null ? '' : `&from=${f}`}`);
      setPage(p); setError(null);
    } catch (e) { setError(e.message); }
  };
  useEffect(() => { load(from); }, [from]);
  if (!page) return html`<${ErrorLine} error=${error} /><p>loading…</p>`;
  const { nodes, edges, lanes } = layout(page.entries);
  // Newest at the top, as git log draws it.
  const y = n => (page.entries.length - 1 - n.row) * ROW + ROW / 2;
  const x = n => n.lane * LANE + LANE / 2;
  const width = lanes * LANE + 4;
  const height = page.entries.length * ROW;
  const last = Math.max(0, page.total - PAGE);
  return html`<section>
    <h2>Log</h2>
    <${ErrorLine} error=${error} />
    <div class="toolbar">
      <button onClick=${() => setFrom(0)} disabled=${page.from === 0}>oldest</button>
      <button onClick=${() => setFrom(Math.max(0, page.from - PAGE))} disabled=${page.from === 0}>older</button>
      <button onClick=${() => setFrom(Math.min(last, page.from + PAGE))} disabled=${page.from >= last}>newer</button>
      <button onClick=${() => { setFrom(null); load(null); }}>newest</button>
      <span id="log-range">entries ${page.entries.length ? page.from + 1 : 0}–${page.from + page.entries.length} of ${page.total}</span>
      <form onSubmit=${e => { e.preventDefault(); const n = parseInt(goto, 10); if (n > 0) setFrom(Math.min(last, n - 1)); }}>
        <input placeholder="go to #" size="10" value=${goto} onInput=${e => setGoto(e.target.value)} />
      </form>
    </div>
    <div class="log">
      <svg class="dag" width=${width} height=${height} aria-label="entry DAG">
        ${edges.map(e => e.from
          ? html`<path d=${`M${x(e.from)},${y(e.from)} C${x(e.from)},${y(e.from) - ROW / 2} ${x(e.to)},${y(e.to) + ROW / 2} ${x(e.to)},${y(e.to)}`}
              stroke=${e.own ? authorColor(e.to.entry.author) : '#999'} stroke-width=${e.own ? 2 : 1} stroke-dasharray=${e.own ? '' : '3 3'} fill="none" />`
          : html`<line x1=${x(e.to)} y1=${y(e.to)} x2=${x(e.to)} y2=${Math.min(height, y(e.to) + ROW / 2)} stroke="#bbb" stroke-width="1" />`)}
        ${nodes.map(n => html`<circle cx=${x(n)} cy=${y(n)} r=${n.merge || n.fork ? 6 : 4.5}
            fill=${n.merge ? '#fff' : authorColor(n.entry.author)} stroke=${authorColor(n.entry.author)} stroke-width="2"><title>${n.entry.hash}</title></circle>`)}
      </svg>
      <table class="grid entries" id="log-entries">
        <tbody>${[...nodes].reverse().map(n => html`<tr style=${`height:${ROW}px`} class=${open === n.entry.hash ? 'open' : ''} onClick=${() => setOpen(open === n.entry.hash ? null : n.entry.hash)}>
          <td class="num">${page.from + n.row + 1}</td>
          <td><span class="author" style=${`color:${authorColor(n.entry.author)}`}>${short(n.entry.author, 10)}</span> #${n.entry.seq}</td>
          <td class="mono">${short(n.entry.hash, 12)}</td>
          <td>${n.entry.time}</td>
          <td>${n.merge ? html`<span class="badge">merge</span>` : ''}${n.fork ? html`<span class="badge warn">fork</span>` : ''}
            ${n.entry.datom_count} datom(s)${open === n.entry.hash ? '' : ': ' + n.entry.datoms.slice(0, 2).map(d => `${d[1]} ${JSON.stringify(d[2])}`).join(', ')}</td>
        </tr>`)}</tbody>
      </table>
    </div>
    ${open && (() => {
      const e = page.entries.find(x => x.hash === open);
      return e && html`<div class="detail"><h3>entry ${e.hash}</h3>
        <p>author <span class="mono">${e.author}</span>, seq ${e.seq}, HLC <span class="mono">${e.hlc}</span>, tx <span class="mono">${e.tx}</span></p>
        <p>parents: ${e.parents.length ? e.parents.map(p => html`<span class="mono">${short(p, 16)} </span>`) : 'none'}</p>
        <table class="grid"><thead><tr><th>e</th><th>a</th><th>v</th><th>added</th></tr></thead>
          <tbody>${e.datoms.map(d => html`<tr><td class="mono">${d[0]}</td><td>${d[1]}</td><td>${JSON.stringify(d[2])}</td><td>${String(d[4])}</td></tr>`)}</tbody></table>
        ${e.datom_count > e.datoms.length ? html`<p>… and ${e.datom_count - e.datoms.length} more (datom log --format json shows them all)</p>` : ''}
      </div>`;
    })()}
  </section>`;
}
