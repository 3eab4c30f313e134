/**
 * A browser-like HTTP client for tests: keeps cookies, sends Origin on posts like a browser does,
 * and leaves redirects to the test so it can assert them.
 */
export class HttpSession {
  private readonly cookies = new Map<string, string>();
  /** This browser's CSRF form token, read from the forms of the pages it loaded. */
  private csrf: string | undefined;

  constructor(readonly baseUrl: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('Cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  get(path: string, init: RequestInit = {}): Promise<Response> {
    return this.fetch(path, { ...init, method: 'GET' });
  }

  /**
   * Posts a form as a browser does (urlencoded, with this site as Origin, carrying the CSRF field
   * the page's form would have). Pass `csrf: ''` in the form to post without a valid token.
   */
  async post(path: string, form: Record<string, string>): Promise<Response> {
    const csrf = 'csrf' in form ? form.csrf : await this.csrfToken();
    return this.fetch(path, {
      method: 'POST',
      body: new URLSearchParams({ ...form, csrf: csrf ?? '' }),
      headers: { Origin: new URL(this.baseUrl).origin },
    });
  }

  /** GETs a page and returns its status and HTML. */
  async page(path: string): Promise<{ status: number; html: string; response: Response }> {
    const response = await this.get(path);
    const html = await response.text();
    this.rememberCsrf(html);
    return { status: response.status, html, response };
  }

  /** The CSRF form token for this session's cookie, loading a page with a form if none was seen yet. */
  async csrfToken(): Promise<string> {
    if (!this.csrf || !this.cookies.has('cpa_csrf')) {
      let response = await this.get('/login');
      // Signed in already: /login redirects to the app, whose pages carry forms too.
      if (response.status >= 300 && response.status < 400) response = await this.get(locationOf(response));
      this.rememberCsrf(await response.text());
    }
    if (!this.csrf) throw new Error('no CSRF token found on /login');
    return this.csrf;
  }

  private rememberCsrf(html: string): void {
    const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrf = token;
  }
}

/** The path and query of a redirect's Location header. */
export function locationOf(response: Response): string {
  const location = response.headers.get('location');
  if (!location) throw new Error(`expected a redirect, got ${response.status}`);
  const url = new URL(location, 'http://placeholder');
  return `${url.pathname}${url.search}`;
}

/** Text of a page without tags, for assertions on what a person reads. */
export function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
