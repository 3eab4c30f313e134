/** The sandbox's two HTML pages: its index and the "connect to QuickBooks" consent page. */

const escape = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1d2733; }
  main { max-width: 34rem; margin: 3rem auto; background: #fff; border-radius: 12px; padding: 2rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  .brand { color: #2ca01c; font-weight: 700; letter-spacing: .02em; }
  .muted { color: #5b6b7b; font-size: .9rem; }
  label { display: block; font-weight: 600; margin: 1.25rem 0 .35rem; }
  select { width: 100%; padding: .6rem; font-size: 1rem; border: 1px solid #b8c2cc; border-radius: 6px; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .65rem 1.2rem; border-radius: 6px; border: 1px solid #b8c2cc;
           background: #fff; cursor: pointer; }
  button.primary { background: #2ca01c; border-color: #2ca01c; color: #fff; font-weight: 600; }
  table { width: 100%; border-collapse: collapse; margin-top: 1rem; }
  td, th { text-align: left; padding: .4rem .25rem; border-bottom: 1px solid #e3e8ee; font-size: .95rem; }
  code { font-size: .85rem; }
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title><style>${style}</style></head><body><main>${body}</main></body></html>`;
}

export function authorizePage(input: {
  appName: string;
  realms: { id: string; companyName: string }[];
  hidden: Record<string, string>;
}): string {
  const hidden = Object.entries(input.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('');
  const options = input.realms
    .map((realm) => `<option value="${escape(realm.id)}">${escape(realm.companyName)}</option>`)
    .join('');
  return page(
    'Connect to QuickBooks (local sandbox)',
    `<p class="brand">QuickBooks · local sandbox</p>
     <h1>${escape(input.appName)} wants to connect to your QuickBooks company</h1>
     <p class="muted">It will be able to read and change your accounting data. This is the repository's
       local QuickBooks sandbox: no real company or Intuit account is involved.</p>
     <form method="post" action="/connect/oauth2">${hidden}
       <label for="realmId">Company</label>
       <select id="realmId" name="realmId">${options}</select>
       <div class="actions">
         <button class="primary" type="submit" name="decision" value="approve">Connect</button>
         <button type="submit" name="decision" value="deny">Cancel</button>
       </div>
     </form>`,
  );
}

export function errorPage(message: string): string {
  return page(
    'QuickBooks sandbox',
    `<p class="brand">QuickBooks · local sandbox</p><h1>Cannot connect</h1><p>${escape(message)}</p>`,
  );
}

export function indexPage(input: {
  realms: { id: string; companyName: string; transactions: number; connections: number }[];
  webhook: string;
}): string {
  const rows = input.realms
    .map(
      (realm) =>
        `<tr><td>${escape(realm.companyName)}</td><td><code>${escape(realm.id)}</code></td><td>${realm.transactions}</td><td>${realm.connections}</td></tr>`,
    )
    .join('');
  return page(
    'QuickBooks sandbox',
    `<p class="brand">QuickBooks · local sandbox</p>
     <h1>Companies</h1>
     <table><thead><tr><th>Company</th><th>Realm ID</th><th>Transactions</th><th>Active connections</th></tr></thead><tbody>${rows}</tbody></table>
     <p class="muted">Webhooks go to: ${escape(input.webhook)}</p>
     <p class="muted">API: <code>/v3/company/&lt;realmId&gt;/…</code> · OAuth: <code>/connect/oauth2</code>,
       <code>/oauth2/v1/tokens/bearer</code>, <code>/v2/oauth2/tokens/revoke</code> · admin JSON: <code>/admin/realms</code>,
       <code>/admin/stats</code>, <code>/admin/webhooks/deliveries</code></p>`,
  );
}
