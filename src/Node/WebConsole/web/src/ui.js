import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

export const short = (id, n = 12) => (id && id.length > n ? id.slice(0, n) + '…' : id || '');

/** A stable colour per author, so one author's entries look alike on every page. */
export function authorColor(author) {
  let hash = 0;
  for (const c of author || '') hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return `hsl(${Math.abs(hash) % 360} 60% 42%)`;
}

export function bytes(n) {
  if (n == null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

/** Calls load() now and every `ms` while the page is shown; returns [value, error]. */
export function usePoll(load, ms, deps = []) {
  const [value, setValue] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    let timer;
    const tick = async () => {
      try { const v = await load(); if (live) { setValue(v); setError(null); } }
      catch (e) { if (live) setError(e.message); }
      if (live && ms) timer = setTimeout(tick, ms);
    };
    tick();
    return () => { live = false; clearTimeout(timer); };
  }, deps);
  return [value, error];
}

export const ErrorLine = ({ error }) => (error ? html`<p class="error" role="alert">${error}</p>` : null);

/** A table of rows (arrays); cells that are objects or arrays show as JSON. */
export function Table({ head, rows, id }) {
  const cell = v => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));
  return html`<table id=${id} class="grid">
    ${head && html`<thead><tr>${head.map(c => html`<th>${c}</th>`)}</tr></thead>`}
    <tbody>${rows.map(r => html`<tr>${r.map(c => html`<td>${cell(c)}</td>`)}</tr>`)}</tbody>
  </table>`;
}

export function useMounted() {
  const mounted = useRef(true);
  useEffect(() => () => { mounted.current = false; }, []);
  return mounted;
}
