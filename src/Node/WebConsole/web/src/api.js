// Talks to the daemon's console endpoints (src/Node/WebConsole/ConsoleRoutes.cs). The token travels
// in an HttpOnly cookie set when the page was first opened with ?token=, so none of this sees it.

export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

async function check(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  const text = await response.text();
  try { message = JSON.parse(text).error || message; } catch { if (text) message = text.trim(); }
  throw new ApiError(message, response.status);
}

export async function getJson(path) {
  return (await check(await fetch(path, { credentials: 'same-origin' }))).json();
}

export async function getText(path) {
  return (await check(await fetch(path, { credentials: 'same-origin' }))).text();
}

/** One JSON value per line (code blame, history, conflicts). */
export async function getLines(path) {
  const text = await getText(path);
  return text.split('\n').filter(l => l.trim()).map(l => JSON.parse(l));
}

export async function postJson(path, body, asText = false) {
  const response = await check(await fetch(path, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? '' : JSON.stringify(body),
  }));
  return asText ? response.text() : response.json();
}

/**
 * Streams a response line by line: onLine(text) for each complete line, until the server ends it
 * or signal aborts. Used for live queries (NDJSON) and services' output (text).
 */
export async function streamLines(path, { method = 'GET', body, signal, onLine }) {
  const response = await check(await fetch(path, {
    method, signal, credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.length) onLine(line);
    }
  }
  if (buffer.length) onLine(buffer);
}
