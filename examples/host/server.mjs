// The example host: a web console on its own origin that embeds Roster, and signs its people in
// to Roster with short-lived JSON Web Tokens (RS256, the test key Roster's e2e server and
// `make run` trust; never use that key anywhere real). No dependencies beyond Node.
//
//   node examples/host/server.mjs [--listen 127.0.0.1:8081] [--roster http://127.0.0.1:8080] [--root DIR]
//
// GET /token?email=…  a token for that person (the host's own sign-in stands behind it)
// anything else       that file of --root; for a path without one, the page named by its first
//                     segment (/element/… → element.html) or index.html; %ROSTER% in pages is
//                     replaced by Roster's origin
import { createPrivateKey, createSign } from 'node:crypto';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const [host, port] = option('listen', '127.0.0.1:8081').split(':');
const roster = option('roster', 'http://127.0.0.1:8080').replace(/\/$/, '');
const root = path.resolve(option('root', here));
const key = createPrivateKey(readFileSync(path.join(here, '../../server/tests/fixtures/host-sign-in/rsa.pem')));
const ISSUER = 'https://console.host.example';
const AUDIENCE = 'roster';

function token(email, lifetime = 300) {
  const now = Math.floor(Date.now() / 1000);
  const part = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');
  const body = `${part({ alg: 'RS256', typ: 'JWT', kid: 'host-rsa-1' })}.${part({
    iss: ISSUER, aud: AUDIENCE, sub: email, email, email_verified: true, iat: now, exp: now + lifetime,
  })}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

createServer((request, response) => {
  const url = new URL(request.url, `http://${request.headers.host}`);
  if (url.pathname === '/token') {
    const email = url.searchParams.get('email') ?? '';
    response.writeHead(email.includes('@') ? 200 : 400, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(email.includes('@') ? { token: token(email) } : { error: 'email required' }));
    return;
  }
  let file = path.join(root, path.normalize(url.pathname));
  if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) {
    // A path of the page's own routes: the page named by its first segment, if there is one.
    const page = path.join(root, `${url.pathname.split('/')[1] ?? ''}.html`);
    file = page.startsWith(root) && existsSync(page) ? page : path.join(root, 'index.html');
  }
  const type = types[path.extname(file)] ?? 'application/octet-stream';
  let body = readFileSync(file);
  if (type.startsWith('text/html')) body = body.toString().replaceAll('%ROSTER%', roster);
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
  response.end(body);
}).listen(Number(port), host, () => {
  console.log(`Example host console (embeds Roster from ${roster}): http://${host}:${port}/`);
});
