// Signs the auth integration test's tokens with jose, as an EHR would, and writes the key sets
// the server trusts. Usage:
//   node tokens.mjs OUT_DIR AUD_BASE JKU_BASE
// writes OUT_DIR/pinned-jwks.json (issuer https://ehr-pinned.test: ES384 + RS384 keys),
// OUT_DIR/jku-old.json and OUT_DIR/jku-new.json (issuer https://ehr-jku.test before and after
// a key rotation), and prints {"<case>": "<token>", ...} on stdout. Every token has its own
// jti. AUD_BASE is the server's public base URL; JKU_BASE the local JWKS server's URL.
import { SignJWT, UnsecuredJWT, generateKeyPair, exportJWK } from 'jose';
import { randomUUID, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [outDir, audBase, jkuBase] = process.argv.slice(2);
if (!outDir || !audBase || !jkuBase) {
  console.error('usage: node tokens.mjs OUT_DIR AUD_BASE JKU_BASE');
  process.exit(2);
}

const PINNED = 'https://ehr-pinned.test';
const JKU = 'https://ehr-jku.test';
const select = `${audBase}/cds-services/antimicrobial-stewardship-order-select`;
const feedback = `${select}/feedback`;
const discovery = `${audBase}/cds-services`;

async function keyPair(alg, kid) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, jwk, kid, alg };
}

const es384 = await keyPair('ES384', 'es384-1');
const rs384 = await keyPair('RS384', 'rs384-1');
const es256 = await keyPair('ES256', 'es256-1');
const jkuOld = await keyPair('ES384', 'jku-old');
const jkuNew = await keyPair('ES384', 'jku-new');
writeFileSync(`${outDir}/pinned-jwks.json`, JSON.stringify({ keys: [es384.jwk, rs384.jwk, es256.jwk] }));
writeFileSync(`${outDir}/jku-old.json`, JSON.stringify({ keys: [jkuOld.jwk] }));
writeFileSync(`${outDir}/jku-new.json`, JSON.stringify({ keys: [jkuOld.jwk, jkuNew.jwk] }));

const now = Math.floor(Date.now() / 1000);

// A token; `o` overrides: key, iss, aud, iat, exp, nbf, jti (null = none), header, claims.
async function token(o = {}) {
  const key = o.key ?? es384;
  const header = { alg: key.alg, typ: 'JWT', kid: key.kid, ...(o.header ?? {}) };
  const jwt = new SignJWT({ ...(o.claims ?? {}) })
    .setProtectedHeader(header)
    .setIssuer(o.iss ?? PINNED)
    .setAudience(o.aud ?? select)
    .setIssuedAt(o.iat ?? now)
    .setExpirationTime(o.exp ?? now + 300);
  if (o.jti !== null) jwt.setJti(o.jti ?? randomUUID());
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.signWith ?? key.privateKey);
}

const b64 = (s) => Buffer.from(s).toString('base64url');
const out = {};
for (let i = 0; i < 40; ++i) out[`valid_${i}`] = await token();
for (let i = 0; i < 6; ++i) out[`rs384_valid_${i}`] = await token({ key: rs384 });
for (let i = 0; i < 4; ++i) out[`feedback_valid_${i}`] = await token({ aud: feedback });
for (let i = 0; i < 4; ++i) out[`discovery_valid_${i}`] = await token({ aud: discovery });
out.replayed = await token();
out.es256_not_allowed = await token({ key: es256 });
out.none = new UnsecuredJWT({ jti: randomUUID() }).setIssuer(PINNED).setAudience(select)
  .setIssuedAt(now).setExpirationTime(now + 300).encode();
out.hs256 = await token({ header: { alg: 'HS256' }, signWith: randomBytes(32) });
// An RS384 header naming the EC key (signed with the RSA key): alg must match the key.
out.rs384_header_on_ec_key = await token({ key: es384, header: { alg: 'RS384' }, signWith: rs384.privateKey });
out.expired = await token({ iat: now - 1000, exp: now - 600 });
out.not_yet_valid = await token({ nbf: now + 600, exp: now + 800 });
out.too_long_lived = await token({ exp: now + 3600 });
out.wrong_aud = await token({ aud: `${audBase}/cds-services/antimicrobial-stewardship-order-sign` });
out.aud_array_with = await token({ aud: ['https://elsewhere.test/cds-services', select] });
out.aud_array_without = await token({ aud: ['https://elsewhere.test/cds-services', discovery] });
out.unknown_iss = await token({ iss: 'https://stranger.test' });
out.unknown_kid = await token({ header: { kid: 'never-published' } });
out.no_jti = await token({ jti: null });
out.jku_not_allowlisted = await token({ iss: JKU, key: jkuOld, header: { jku: `${jkuBase}/evil-jwks.json` } });
for (let i = 0; i < 3; ++i) {
  out[`jku_old_${i}`] = await token({ iss: JKU, key: jkuOld, header: { jku: `${jkuBase}/jwks.json` } });
  out[`jku_new_${i}`] = await token({ iss: JKU, key: jkuNew, header: { jku: `${jkuBase}/jwks.json` } });
}
for (let i = 0; i < 60; ++i) {
  out[`jku_flood_${i}`] = await token({ iss: JKU, key: jkuNew, header: { kid: `made-up-${i}`, jku: `${jkuBase}/jwks.json` } });
}
const [h, p, s] = out.valid_0.split('.');
const claims = JSON.parse(Buffer.from(p, 'base64url'));
out.tampered_payload = `${h}.${b64(JSON.stringify({ ...claims, iss: PINNED, jti: randomUUID() }))}.${s}`;
const sig = Buffer.from(s, 'base64url');
sig[10] ^= 0x01;
out.tampered_signature = `${h}.${p}.${sig.toString('base64url')}`;
out.malformed_base64 = `${h}.${p}!.${s}`;
out.malformed_json = `${b64('{"alg":"ES384","typ":"JWT",')}.${p}.${s}`;
out.two_parts = `${h}.${p}`;
out.big_20kb = await token({ claims: { pad: 'x'.repeat(20 * 1024) } });
out.big_100kb = await token({ claims: { pad: 'x'.repeat(100 * 1024) } });
process.stdout.write(JSON.stringify(out) + '\n');
