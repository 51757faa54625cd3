// The local OpenID provider the service desk's tests start (tests/identity/oidc_provider.py,
// docs/openid-connect.md). Never deployed. Configuration, all from the environment:
//   OIDC_TEST_PORT            port on 127.0.0.1 (or the first argument)
//   OIDC_TEST_CLIENT_ID       the one confidential client (client_secret_post or _basic)
//   OIDC_TEST_CLIENT_SECRET
//   OIDC_TEST_REDIRECT_URIS   its redirect URIs, space-separated
//   OIDC_TEST_LOGOUT_URIS     its post-logout redirect URIs, space-separated (optional)
//   OIDC_TEST_ACCOUNTS_FILE   a JSON file, re-read at every look-up so a test can change claims:
//                             {"<sub>": {"login": "...", "password": "...", "preferred_username": "...", "email": "...",
//                              "given_name": "...", "family_name": "...", "phone_number": "...",
//                              "groups": ["..."], "organisation": "..."}}
//   OIDC_TEST_ACCOUNTS        the same JSON inline, when there is no file
// The sign-in and consent pages are minimal HTML forms of our own: the login form finds the
// account by its "login" (default: its preferred_username) and checks its password; the consent
// form grants what the client asked for, or denies it (access_denied).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.OIDC_TEST_PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const words = (value) => (value || '').split(/\s+/).filter(Boolean);

function accounts() {
  const file = process.env.OIDC_TEST_ACCOUNTS_FILE;
  return JSON.parse(file ? readFileSync(file, 'utf8') : process.env.OIDC_TEST_ACCOUNTS || '{}');
}

const CLAIMS = [
  'preferred_username', 'name', 'given_name', 'family_name', 'email', 'email_verified',
  'phone_number', 'groups', 'organisation',
];

async function findAccount(ctx, sub) {
  if (!Object.hasOwn(accounts(), sub)) return undefined;
  return {
    accountId: sub,
    async claims() {
      const entry = accounts()[sub] || {};
      const claims = { sub };
      for (const name of CLAIMS) if (entry[name] !== undefined) claims[name] = entry[name];
      if (claims.name === undefined && (entry.given_name || entry.family_name)) {
        claims.name = [entry.given_name, entry.family_name].filter(Boolean).join(' ');
      }
      return claims;
    },
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_TEST_CLIENT_ID || 'service-desk',
    client_secret: process.env.OIDC_TEST_CLIENT_SECRET || 'service-desk-secret',
    redirect_uris: words(process.env.OIDC_TEST_REDIRECT_URIS),
    post_logout_redirect_uris: words(process.env.OIDC_TEST_LOGOUT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'organisation'],
    phone: ['phone_number'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'phone', 'groups'],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // tokens outlive a slow test run
  ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, AuthorizationCode: 120, IdToken: 600 },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error) {
  return page('Sign in', `${error ? `<p role="alert" id="error">${escape(error)}</p>` : ''}`
    + `<form method="post" action="/interaction/${uid}/login">`
    + '<label for="login">Username</label> <input id="login" name="login" required> '
    + '<label for="password">Password</label> <input id="password" name="password" type="password" required> '
    + '<button type="submit">Sign in</button></form>');
}

function consentForm(uid, details) {
  const scopes = (details.missingOIDCScope || []).join(' ');
  return page('Allow access', `<p>The service desk asks for: <span id="scopes">${escape(scopes)}</span></p>`
    + `<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>`
    + `<form method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/);
  if (!match) return next();
  const [, uid, action] = match;
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
  const { prompt, params, session, grantId } = details;
  let result;
  if (!action && ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = prompt.name === 'login' ? loginForm(uid) : consentForm(uid, prompt.details);
    return undefined;
  }
  if (ctx.method !== 'POST') ctx.throw(405);
  if (action === 'login') {
    const form = await formBody(ctx.req);
    const found = Object.entries(accounts()).find(
      ([, entry]) => (entry.login ?? entry.preferred_username) === form.get('login'),
    );
    if (prompt.name !== 'login' || !found || found[1].password !== form.get('password')) {
      ctx.status = 200;
      ctx.type = 'html';
      ctx.body = loginForm(uid, 'Wrong username or password.');
      return undefined;
    }
    result = { login: { accountId: found[0] } };
  } else if (action === 'confirm') {
    if (prompt.name !== 'consent') ctx.throw(400, 'no consent asked');
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: 'The person denied access.' };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: action === 'confirm',
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
  return undefined;
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
