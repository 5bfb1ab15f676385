// Writes tests/data/auth/jose-vectors.json: public JWK Sets and JWS tokens signed by jose (an
// independent JOSE implementation) for the unit tests of signature verification. The private
// keys exist only while this runs; the tokens are long expired and no server trusts the keys.
// Re-run only to regenerate: node tests/node/jose/make-vectors.mjs > tests/data/auth/jose-vectors.json
import { SignJWT, generateKeyPair, exportJWK } from 'jose';

const algs = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'PS384'];
const keys = [];
const tokens = {};
for (const alg of algs) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg.toLowerCase()}-key`, alg, use: 'sig' };
  keys.push(jwk);
  tokens[alg] = await new SignJWT({ tenant: 'vectors' })
    .setProtectedHeader({ alg, typ: 'JWT', kid: jwk.kid })
    .setIssuer('https://ehr.vectors.test')
    .setAudience('https://cds.vectors.test/cds-services/x')
    .setIssuedAt(1700000000)
    .setExpirationTime(1700000300)
    .setJti(`jti-${alg}`)
    .sign(privateKey);
}
process.stdout.write(JSON.stringify({ jwks: { keys }, tokens }, null, 2) + '\n');
