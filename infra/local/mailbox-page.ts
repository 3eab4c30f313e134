/**
 * The mailbox page of the SMTP capture: static HTML plus one script. Nothing from a message is ever
 * put into markup: the script sets textContent, and HTML bodies go into a sandboxed iframe (srcdoc,
 * no scripts) where links open in a new tab.
 */

export const MAILBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mailbox · CPA Platform</title>
<style>
  :root { color-scheme: light dark; --line: #8884; --muted: #8a8a8a; --accent: #2f6fde; --pick: #2f6fde22; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; height: 100vh; display: flex; flex-direction: column; }
  header { display: flex; align-items: center; gap: .75rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.05rem; margin: 0; }
  header .count { color: var(--muted); font-size: .9rem; flex: 1; }
  button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: transparent; cursor: pointer; }
  main { flex: 1; display: grid; grid-template-columns: minmax(16rem, 26rem) 1fr; min-height: 0; }
  #list { overflow-y: auto; border-right: 1px solid var(--line); margin: 0; padding: 0; list-style: none; }
  #list a { display: block; padding: .6rem 1rem; border-bottom: 1px solid var(--line); color: inherit; text-decoration: none; }
  #list a[aria-current="true"] { background: var(--pick); }
  #list .top { display: flex; justify-content: space-between; gap: .5rem; font-size: .85rem; color: var(--muted); }
  #list .to { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  #list .subject { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  #empty { padding: 2rem 1rem; color: var(--muted); }
  #view { display: flex; flex-direction: column; min-width: 0; min-height: 0; }
  #view[hidden] { display: none; }
  #placeholder { margin: auto; color: var(--muted); }
  .meta { padding: .8rem 1rem; border-bottom: 1px solid var(--line); }
  .meta h2 { margin: 0 0 .4rem; font-size: 1.15rem; overflow-wrap: anywhere; }
  .meta dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem; margin: 0; font-size: .9rem; }
  .meta dt { color: var(--muted); }
  .meta dd { margin: 0; overflow-wrap: anywhere; }
  .tabs { display: flex; gap: .25rem; padding: .4rem 1rem 0; border-bottom: 1px solid var(--line); }
  .tabs button { border: 0; border-bottom: 2px solid transparent; border-radius: 0; }
  .tabs button[aria-selected="true"] { border-bottom-color: var(--accent); font-weight: 600; }
  .pane { flex: 1; min-height: 0; overflow: auto; }
  .pane[hidden] { display: none; }
  iframe { width: 100%; height: 100%; border: 0; background: #fff; }
  pre { margin: 0; padding: 1rem; white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
  #back { display: none; }
  @media (max-width: 760px) {
    main { grid-template-columns: 1fr; }
    #list { border-right: 0; }
    main.reading #list { display: none; }
    main:not(.reading) #view { display: none; }
    #back { display: inline-block; }
  }
</style>
</head>
<body>
<header>
  <button id="back" type="button">← Inbox</button>
  <h1>Mailbox</h1>
  <span class="count" id="count"></span>
  <button id="clear" type="button">Delete all</button>
</header>
<main id="main">
  <ul id="list"></ul>
  <section id="view">
    <p id="placeholder">Select a message. New mail appears here by itself.</p>
  </section>
</main>
<script src="/mailbox.js"></script>
</body>
</html>
`;

export const MAILBOX_SCRIPT = `'use strict';
(() => {
  const list = document.getElementById('list');
  const view = document.getElementById('view');
  const main = document.getElementById('main');
  const count = document.getElementById('count');
  let messages = [];
  let etag = null;
  let shownId = null;
  let tab = 'html';

  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const when = (iso) => {
    const date = new Date(iso);
    const today = new Date().toDateString() === date.toDateString();
    return today ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : date.toLocaleString();
  };
  const selectedId = () => decodeURIComponent(location.hash.slice(1)) || null;

  // Plain text with its URLs made clickable, built node by node.
  const linkify = (text) => {
    const pre = el('pre');
    const pattern = /https?:\\/\\/[^\\s<>"')\\]]+/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      pre.append(text.slice(last, match.index));
      pre.append(el('a', { href: match[0], target: '_blank', rel: 'noopener noreferrer', text: match[0] }));
      last = match.index + match[0].length;
    }
    pre.append(text.slice(last));
    return pre;
  };

  function renderList() {
    count.textContent = messages.length === 1 ? '1 message' : messages.length + ' messages';
    const current = selectedId();
    list.replaceChildren(
      ...messages.map((m) =>
        el('li', {}, [
          el('a', { href: '#' + encodeURIComponent(m.id), 'aria-current': String(m.id === current) }, [
            el('div', { className: 'top' }, [
              el('span', { className: 'to', text: 'To: ' + (m.to.join(', ') || m.envelope.to.join(', ')) }),
              el('time', { dateTime: m.date, text: when(m.date) }),
            ]),
            el('div', { className: 'subject', text: m.subject || '(no subject)' }),
          ]),
        ]),
      ),
    );
    if (messages.length === 0) list.append(el('li', { id: 'empty', text: 'No mail yet. Anything the app sends shows up here.' }));
  }

  function renderView() {
    const id = selectedId();
    main.classList.toggle('reading', Boolean(id));
    if (id === shownId && view.dataset.tab === tab) return;
    const m = messages.find((candidate) => candidate.id === id);
    shownId = m ? id : null;
    view.dataset.tab = tab;
    if (!m) {
      view.replaceChildren(el('p', { id: 'placeholder', text: id ? 'This message is gone.' : 'Select a message. New mail appears here by itself.' }));
      return;
    }
    const row = (label, value) => (value ? [el('dt', { text: label }), el('dd', { text: value })] : []);
    const meta = el('div', { className: 'meta' }, [
      el('h2', { text: m.subject || '(no subject)' }),
      el('dl', {}, [
        ...row('From', m.from),
        ...row('To', m.to.join(', ')),
        ...row('Cc', m.cc.join(', ')),
        ...row('Envelope', m.envelope.to.join(', ')),
        ...row('Date', new Date(m.date).toLocaleString()),
        ...row('Attachments', m.attachments.map((a) => (a.filename || 'unnamed') + ' (' + a.contentType + ', ' + a.size + ' bytes)').join('; ')),
      ]),
    ]);
    const tabs = [
      ['html', 'HTML', Boolean(m.html)],
      ['text', 'Text', true],
      ['headers', 'Headers', true],
    ];
    if (tab === 'html' && !m.html) tab = 'text';
    const bar = el('div', { className: 'tabs', role: 'tablist' },
      tabs.filter(([, , available]) => available).map(([key, label]) => {
        const button = el('button', { type: 'button', role: 'tab', text: label, 'aria-selected': String(key === tab) });
        button.addEventListener('click', () => { tab = key; shownId = null; renderView(); });
        return button;
      }),
    );
    let pane;
    if (tab === 'html') {
      // No allow-scripts: the message's scripts never run. Links open in a new tab.
      const frame = el('iframe', { title: 'Message body', sandbox: 'allow-popups allow-popups-to-escape-sandbox' });
      frame.srcdoc = '<base target="_blank">' + m.html;
      pane = el('div', { className: 'pane' }, [frame]);
    } else if (tab === 'text') {
      pane = el('div', { className: 'pane' }, [linkify(m.text || '(no text part)')]);
    } else {
      const lines = Object.entries(m.headers).map(([key, value]) => key + ': ' + value).join('\\n');
      pane = el('div', { className: 'pane' }, [el('pre', { text: lines })]);
    }
    view.replaceChildren(meta, bar, pane);
  }

  async function refresh() {
    try {
      const response = await fetch('/api/messages', { cache: 'no-store', headers: etag ? { 'If-None-Match': etag } : {} });
      if (response.status === 200) {
        etag = response.headers.get('ETag');
        messages = await response.json();
        renderList();
        if (!messages.some((m) => m.id === shownId)) shownId = null;
        renderView();
      }
    } catch {
      count.textContent = 'mail capture not reachable; retrying…';
    }
  }

  window.addEventListener('hashchange', () => { renderList(); renderView(); });
  document.getElementById('back').addEventListener('click', () => { location.hash = ''; });
  document.getElementById('clear').addEventListener('click', async () => {
    if (!confirm('Delete every captured message?')) return;
    await fetch('/api/messages', { method: 'DELETE' });
    location.hash = '';
    await refresh();
  });
  void refresh();
  setInterval(refresh, 3000);
})();
`;
