import { useEffect, useRef, useState } from 'preact/hooks';
import { postJson, streamLines } from '../api.js';
import { tokenize } from '../edn.js';
import { html, ErrorLine, Table } from '../ui.js';

const EXAMPLE = '[:find ?e ?a ?v\n :where [?e ?a ?v]]';

/** A query's result as rows of a table: a relation is rows, a collection one column, a scalar one cell. */
function rowsOf(result) {
  if (!Array.isArray(result)) return [[result]];
  return result.map(r => (Array.isArray(r) ? r : [r]));
}

const key = row => JSON.stringify(row);

/** An editor whose text is drawn, highlighted, under a transparent textarea. */
function EdnEditor({ value, onInput, onRun }) {
  const pre = useRef(null);
  const sync = e => { if (pre.current) { pre.current.scrollTop = e.target.scrollTop; pre.current.scrollLeft = e.target.scrollLeft; } };
  return html`<div class="editor">
    <pre ref=${pre} aria-hidden="true">${tokenize(value + '\n').map(([kind, text]) => html`<span class=${'t-' + kind}>${text}</span>`)}</pre>
    <textarea id="query-editor" spellcheck="false" value=${value} onScroll=${sync}
      onInput=${e => { onInput(e.target.value); sync(e); }}
      onKeyDown=${e => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); onRun(); } }}></textarea>
  </div>`;
}

/** Datalog: run a query (as of a time or a frontier, or over history), see its plan, or keep it live. */
export function QueryPage() {
  const [text, setText] = useState(() => sessionStorage.getItem('datom.query') || EXAMPLE);
  const [args, setArgs] = useState('');
  const [asOf, setAsOf] = useState('');
  const [history, setHistory] = useState(false);
  const [rows, setRows] = useState(null);
  const [plan, setPlan] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [live, setLive] = useState(false);
  const [liveNote, setLiveNote] = useState('');
  const abort = useRef(null);

  useEffect(() => sessionStorage.setItem('datom.query', text), [text]);
  const inputs = () => (args.trim() ? args.split('\n').map(a => a.trim()).filter(Boolean) : undefined);
  const request = extra => ({ query: text, args: inputs(), as_of: asOf.trim() || undefined, history, ...extra });

  const run = async () => {
    setBusy(true); setError(null); setPlan(null);
    try { setRows(rowsOf(await postJson('/api/query', request()))); }
    catch (e) { setError(e.message); setRows(null); }
    setBusy(false);
  };
  const explain = async () => {
    setError(null);
    try { setPlan(await postJson('/api/query', request({ explain: true }), true)); }
    catch (e) { setError(e.message); }
  };

  // Live: `datom subscribe` through the daemon. The first line is the result and its frontier; each
  // later line adds and removes rows as an entry changes the result, with no reload.
  useEffect(() => {
    if (!live) return undefined;
    const controller = new AbortController();
    abort.current = controller;
    let table = new Map();
    let updates = 0;
    setError(null); setPlan(null); setLiveNote('subscribing…');
    streamLines('/api/subscribe', {
      method: 'POST', body: { query: text, args: inputs() }, signal: controller.signal,
      onLine: line => {
        const m = JSON.parse(line);
        if (m.error) { setError(m.error); return; }
        if (m.result !== undefined) {
          table = new Map(rowsOf(m.result).map(r => [key(r), r]));
        } else {
          for (const r of rowsOf(m.removed || [])) table.delete(key(r));
          for (const r of rowsOf(m.added || [])) table.set(key(r), r);
          updates++;
        }
        setRows([...table.values()]);
        setLiveNote(m.result !== undefined ? `live: ${table.size} row(s); waiting for changes`
          : `live: ${updates} update(s); last +${(m.added || []).length} −${(m.removed || []).length} by ${(m.author || '').slice(0, 12)}… (entry ${(m.hash || '').slice(0, 12)}…)`);
      },
    }).then(() => setLiveNote('live: the daemon ended the subscription'))
      .catch(e => { if (e.name !== 'AbortError') { setError(e.message); setLiveNote(''); setLive(false); } });
    return () => controller.abort();
  }, [live]);

  return html`<section>
    <h2>Query</h2>
    <${EdnEditor} value=${text} onInput=${setText} onRun=${run} />
    <div class="toolbar">
      <button id="query-run" onClick=${run} disabled=${busy || live}>run</button>
      <button id="query-explain" onClick=${explain} disabled=${live}>explain</button>
      <label title="as of an ISO-8601 time, or entry hashes (a frontier), comma-separated">as of
        <input id="query-as-of" size="30" placeholder="2026-01-01T00:00:00Z or HASH,…" value=${asOf} onInput=${e => setAsOf(e.target.value)} disabled=${live} /></label>
      <label><input type="checkbox" checked=${history} onChange=${e => setHistory(e.target.checked)} disabled=${live} /> history</label>
      <label class="live"><input id="query-live" type="checkbox" checked=${live} onChange=${e => setLive(e.target.checked)} /> live</label>
      <span id="query-live-note">${live ? liveNote : ''}</span>
    </div>
    <details><summary>inputs (one EDN value per line, for :in after $)</summary>
      <textarea id="query-args" rows="3" value=${args} onInput=${e => setArgs(e.target.value)}></textarea></details>
    <${ErrorLine} error=${error} />
    ${plan && html`<pre id="query-plan" class="plan">${plan}</pre>`}
    ${rows && html`<p id="query-count">${rows.length} row(s)</p><${Table} id="query-table" rows=${rows} />`}
  </section>`;
}
