// Pre-signs N CDS Hooks JWTs for bench/run-jwt-wrk.sh, one per call (each has its own jti, so
// none is a replay), with jose as an EHR would. Usage:
//   node bench-tokens.mjs OUT_DIR ALG N AUD ISS
// writes OUT_DIR/jwks.json (the public key to pin) and OUT_DIR/tokens.txt (one token a line).
// Signing runs on all cores (worker threads).
import { SignJWT, generateKeyPair, exportJWK, importJWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

async function sign(privateKey, alg, n, aud, iss) {
  const now = Math.floor(Date.now() / 1000);
  const out = [];
  for (let i = 0; i < n; ++i) {
    out.push(await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', kid: 'bench-1' })
      .setIssuer(iss).setAudience(aud).setIssuedAt(now).setExpirationTime(now + 600)
      .setJti(randomUUID()).sign(privateKey));
  }
  return out;
}

if (isMainThread) {
  const [outDir, alg, n, aud, iss] = process.argv.slice(2);
  if (!outDir || !alg || !n || !aud || !iss) {
    console.error('usage: node bench-tokens.mjs OUT_DIR ALG N AUD ISS');
    process.exit(2);
  }
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  writeFileSync(`${outDir}/jwks.json`, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg, use: 'sig' }] }));
  const privateJwk = await exportJWK(privateKey);
  const workers = availableParallelism();
  const per = Math.ceil(Number(n) / workers);
  const parts = await Promise.all(Array.from({ length: workers }, () => new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { privateJwk, alg, n: per, aud, iss } });
    w.on('message', resolve);
    w.on('error', reject);
  })));
  const file = createWriteStream(`${outDir}/tokens.txt`);
  for (const part of parts) for (const t of part) file.write(t + '\n');
  file.end();
} else {
  const { privateJwk, alg, n, aud, iss } = workerData;
  const key = await importJWK(privateJwk, alg);
  parentPort.postMessage(await sign(key, alg, n, aud, iss));
}
