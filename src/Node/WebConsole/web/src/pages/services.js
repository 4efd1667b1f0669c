import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, streamLines } from '../api.js';
import { html, usePoll, ErrorLine } from '../ui.js';

const MAX_LINES = 2000;

/** Each service: since when it runs, its restarts and last error, and its output as it prints it. */
export function ServicesPage() {
  const [status, error] = usePoll(() => getJson('/api/status'), 2000);
  const [lines, setLines] = useState([]);
  const [filter, setFilter] = useState('');
  const [streamError, setStreamError] = useState(null);
  const box = useRef(null);
  useEffect(() => {
    const controller = new AbortController();
    let buffer = [];
    streamLines('/api/services/logs?n=200&follow=1', {
      signal: controller.signal,
      onLine: line => { buffer = [...buffer, line].slice(-MAX_LINES); setLines(buffer); },
    }).catch(e => { if (e.name !== 'AbortError') setStreamError(e.message); });
    return () => controller.abort();
  }, []);
  useEffect(() => { if (box.current) box.current.scrollTop = box.current.scrollHeight; }, [lines]);
  const services = status ? status.services : [];
  const shown = filter ? lines.filter(l => l.includes(` ${filter}: `)) : lines;
  return html`<section>
    <h2>Services</h2>
    <${ErrorLine} error=${error} />
    <table id="services" class="grid"><thead><tr><th>service</th><th>running since</th><th>restarts</th><th>last error</th></tr></thead>
      <tbody>${services.map(s => html`<tr><td class="mono"><a href="#" onClick=${e => { e.preventDefault(); setFilter(filter === s.name ? '' : s.name); }}>${s.name}</a></td>
        <td>${s.running_since}</td><td class=${s.restarts ? 'warn' : ''}>${s.restarts}</td><td class="error">${s.last_error || ''}</td></tr>`)}</tbody></table>
    ${services.length === 0 && html`<p class="quiet">No service runs. Mark a function ^:service and load it.</p>`}
    <h3>Output${filter ? ` of ${filter}` : ''} <small>(live)</small></h3>
    <${ErrorLine} error=${streamError} />
    <pre id="services-output" class="output" ref=${box}>${shown.join('\n')}</pre>
  </section>`;
}
