/**
 * A browser-like HTTP client for tests: keeps cookies, sends Origin on posts like a browser does,
 * and leaves redirects to the test so it can assert them.
 */
export class HttpSession {
  private readonly cookies = new Map<string, string>();

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

  /** Posts a form as a browser does (urlencoded, with this site as Origin). */
  post(path: string, form: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { Origin: new URL(this.baseUrl).origin },
    });
  }

  /** GETs a page and returns its status and HTML. */
  async page(path: string): Promise<{ status: number; html: string; response: Response }> {
    const response = await this.get(path);
    return { status: response.status, html: await response.text(), response };
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
