import { totpCode } from '../../../lib/crypto/totp';

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

/** A staff login for tests: email, password and the authenticator secret (base32) of their account. */
export interface TStaffLogin {
  email: string;
  password: string;
  totpSecret?: string;
}

const totpStepMs = 30_000;
/** The last authenticator step this test process used per account (a step's code is accepted once). */
const lastStepByAccount = new Map<string, number>();

/**
 * Forgets which authenticator step an account last used, in the test database. The test platform
 * registers it, so a test that signs one account in many times does not wait half a minute for the
 * next code; the refusal of a reused code has its own tests, which enter codes themselves.
 */
let forgetUsedStep: ((email: string) => Promise<void>) | null = null;
export function setUsedStepReset(reset: ((email: string) => Promise<void>) | null): void {
  forgetUsedStep = reset;
}

/**
 * Signs a staff member in completely, as a person does: the password on /login, then an
 * authenticator code (computed from their secret) on the second-factor step. The server accepts a
 * step's code once per account and one step either side of now, so a second sign-in of the same
 * account within 30 seconds uses the next step's code, and a third waits for the clock (or, on the
 * test platform, has the used step forgotten). Returns the
 * final redirect (to `redirectTo`).
 */
export async function signInStaff(
  session: HttpSession,
  login: TStaffLogin,
  redirectTo = '/app',
): Promise<Response> {
  const secret = login.totpSecret;
  if (!secret) throw new Error(`signInStaff: ${login.email} has no authenticator secret`);
  const password = await session.post('/login', { email: login.email, password: login.password, redirectTo });
  if (password.status !== 302 || !locationOf(password).startsWith('/login/mfa')) {
    throw new Error(
      `signInStaff: the password step answered ${password.status} ${password.headers.get('location') ?? ''}`,
    );
  }
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const now = Math.floor(Date.now() / totpStepMs);
    let step = Math.max(now, (lastStepByAccount.get(login.email) ?? -1) + 1);
    if (step > now + 1 && forgetUsedStep) {
      await forgetUsedStep(login.email);
      step = now;
    } else if (step > now + 1) {
      await new Promise((resolve) => setTimeout(resolve, (step - 1) * totpStepMs - Date.now() + 50));
    }
    lastStepByAccount.set(login.email, step);
    const code = totpCode(secret, new Date(step * totpStepMs + 1000));
    const response = await session.post('/login/mfa', { code, redirectTo });
    if (response.status === 302) return response;
    if (response.status !== 401) {
      throw new Error(`signInStaff: the second-factor step answered ${response.status}`);
    }
  }
  throw new Error(`signInStaff: no authenticator code was accepted for ${login.email}`);
}
