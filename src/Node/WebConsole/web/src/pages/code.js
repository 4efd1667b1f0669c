import { useEffect, useState } from 'preact/hooks';
import { getJson, getLines, getText, postJson } from '../api.js';
import { tokenize } from '../edn.js';
import { html, ErrorLine, short, authorColor } from '../ui.js';

const q = encodeURIComponent;

const Source = ({ text, id }) => html`<pre id=${id} class="source">${tokenize(text).map(([k, t]) => html`<span class=${'t-' + k}>${t}</span>`)}</pre>`;

const Diff = ({ text }) => html`<pre id="code-diff" class="diff">${text.split('\n').map(l =>
  html`<span class=${l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('@@') ? 'hunk' : ''}>${l + '\n'}</span>`)}</pre>`;

/** Namespaces and their functions, each function's source from its datoms, history, blame, diff; conflicts with pick. */
export function CodePage() {
  const [defs, setDefs] = useState(null);
  const [name, setName] = useState(null);
  const [tab, setTab] = useState('source');
  const [error, setError] = useState(null);
  const [conflicts, setConflicts] = useState([]);
  const reload = async () => {
    try {
      setDefs(await getJson('/api/code'));
      setConflicts(await getLines('/api/code/conflicts'));
      setError(null);
    } catch (e) { setError(e.message); }
  };
  useEffect(() => { reload(); }, []);
  if (!defs) return html`<${ErrorLine} error=${error} /><p>loading…</p>`;
  const byNs = new Map();
  for (const [ns, fn] of defs) byNs.set(ns, [...(byNs.get(ns) || []), fn]);
  const namespaces = [...byNs.keys()].sort();
  return html`<section class="code">
    <h2>Code</h2>
    <${ErrorLine} error=${error} />
    <div class="split">
      <nav class="defs" id="code-definitions">
        ${namespaces.length === 0 && html`<p>No code is loaded ('datom code load FILE').</p>`}
        ${namespaces.map(ns => html`<div class="ns"><strong>${ns}</strong>
          <ul>${byNs.get(ns).sort().map(fn => html`<li><a href="#" data-def=${`${ns}/${fn}`} class=${name === `${ns}/${fn}` ? 'current' : ''}
            onClick=${e => { e.preventDefault(); setName(`${ns}/${fn}`); }}>${fn}</a>
            ${conflicts.some(c => c.definition === `${ns}/${fn}`) ? html` <span class="badge warn">conflict</span>` : ''}</li>`)}</ul></div>`)}
      </nav>
      <div class="def">
        ${name ? html`<h3 class="mono">${name}</h3>
          <div class="tabs">${['source', 'history', 'blame', 'diff'].map(t => html`<button id=${'code-tab-' + t} class=${tab === t ? 'current' : ''} onClick=${() => setTab(t)}>${t}</button>`)}</div>
          ${tab === 'source' && html`<${SourceTab} name=${name} />`}
          ${tab === 'history' && html`<${HistoryTab} name=${name} />`}
          ${tab === 'blame' && html`<${BlameTab} name=${name} />`}
          ${tab === 'diff' && html`<${DiffTab} name=${name} />`}`
        : html`<p>Pick a function.</p>`}
      </div>
    </div>
    <${Conflicts} conflicts=${conflicts} onPicked=${reload} />
  </section>`;
}

function useText(load, deps) {
  const [value, setValue] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    setValue(null);
    load().then(v => live && (setValue(v), setError(null)), e => live && setError(e.message));
    return () => { live = false; };
  }, deps);
  return [value, error];
}

function SourceTab({ name }) {
  const [text, error] = useText(() => getText(`/api/code/show?name=${q(name)}`), [name]);
  return html`<${ErrorLine} error=${error} />${text != null && html`<${Source} id="code-source" text=${text} />`}`;
}

function HistoryTab({ name }) {
  const [versions, error] = useText(() => getLines(`/api/code/history?name=${q(name)}`), [name]);
  const [shown, setShown] = useState(null);
  const [source, setSource] = useState(null);
  useEffect(() => {
    if (!shown) return;
    getText(`/api/code/show?name=${q(name)}&as_of=${q(shown)}`).then(setSource, e => setSource(`(${e.message})`));
  }, [shown, name]);
  if (!versions) return html`<${ErrorLine} error=${error} />`;
  return html`<table id="code-history" class="grid">
      <thead><tr><th>entry</th><th>time</th><th>author</th><th>reason</th><th></th></tr></thead>
      <tbody>${versions.map(v => html`<tr data-entry=${v.entry}>
        <td class="mono">${short(v.entry, 12)}</td><td>${v.time}</td>
        <td><span style=${`color:${authorColor(v.author)}`}>${short(v.author, 12)}</span></td>
        <td>${v.reason || ''}${v.concurrent && v.concurrent.length ? html` <span class="badge warn">concurrent with ${v.concurrent.map(c => short(c, 8)).join(', ')}</span>` : ''}</td>
        <td><button onClick=${() => setShown(v.entry)}>show</button></td></tr>`)}</tbody>
    </table>
    ${shown && source != null && html`<h4>as of ${short(shown, 12)}</h4><${Source} text=${source} />`}`;
}

function BlameTab({ name }) {
  const [lines, error] = useText(() => getLines(`/api/code/blame?name=${q(name)}`), [name]);
  if (!lines) return html`<${ErrorLine} error=${error} />`;
  return html`<table id="code-blame" class="grid blame"><tbody>${lines.map(l => html`<tr>
    <td class="mono" title=${l.entry}>${short(l.entry, 10)}</td>
    <td><span style=${`color:${authorColor(l.author)}`}>${short(l.author, 10)}</span></td>
    <td>${l.time}</td><td>${l.reason || ''}</td><td class="num">${l.line}</td>
    <td><pre class="line">${l.text}</pre></td></tr>`)}</tbody></table>`;
}

function DiffTab({ name }) {
  const [versions, error] = useText(() => getLines(`/api/code/history?name=${q(name)}`), [name]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [diff, setDiff] = useState(null);
  const [diffError, setDiffError] = useState(null);
  useEffect(() => {
    if (versions && versions.length) {
      setFrom(versions.length > 1 ? versions[versions.length - 2].entry : versions[0].entry);
      setTo(versions[versions.length - 1].entry);
    }
  }, [versions]);
  useEffect(() => {
    if (!from || !to) return;
    getText(`/api/code/diff?name=${q(name)}&from=${q(from)}&to=${q(to)}`).then(t => { setDiff(t); setDiffError(null); }, e => setDiffError(e.message));
  }, [from, to, name]);
  if (!versions) return html`<${ErrorLine} error=${error} />`;
  const options = versions.map(v => html`<option value=${v.entry}>${short(v.entry, 10)} ${v.time} ${v.reason || ''}</option>`);
  return html`<div class="toolbar">
      <label>from <select id="diff-from" value=${from} onChange=${e => setFrom(e.target.value)}>${options}</select></label>
      <label>to <select id="diff-to" value=${to} onChange=${e => setTo(e.target.value)}>${options}</select></label>
    </div><${ErrorLine} error=${diffError} />${diff != null && html`<${Diff} text=${diff} />`}`;
}

function Conflicts({ conflicts, onPicked }) {
  const [error, setError] = useState(null);
  if (!conflicts.length) return html`<p id="code-conflicts" class="quiet">No conflicts.</p>`;
  const pick = async (definition, entry) => {
    try { await postJson(`/api/code/pick?name=${q(definition)}&entry=${q(entry)}`, undefined, true); setError(null); onPicked(); }
    catch (e) { setError(e.message); }
  };
  return html`<div id="code-conflicts"><h3>Conflicts</h3><${ErrorLine} error=${error} />
    ${conflicts.map(c => html`<div class="conflict"><h4 class="mono">${c.definition}</h4>
      ${c.versions.map(v => html`<div class=${'version' + (v.winner ? ' winner' : '')}>
        <p>${v.winner ? '★ runs now: ' : ''}<span class="mono">${short(v.entry, 12)}</span> ${v.time} by ${short(v.author, 12)}: ${v.reason || ''}
          ${!v.winner && html`<button onClick=${() => pick(c.definition, v.entry)}>pick this one</button>`}</p>
        <${Source} text=${v.source || '(deleted)'} /></div>`)}</div>`)}</div>`;
}
