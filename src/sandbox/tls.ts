/**
 * TLS mode: a test CA generated with node-forge and one server certificate for every real WeChat
 * web host name, so unmodified third-party clients can talk to the sandbox over HTTPS once those
 * names resolve to it and the CA is trusted (e.g. NODE_EXTRA_CA_CERTS).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { allWechatHostNames } from './hosts.js';

export interface TlsMaterial {
  key: string;
  cert: string;
  caCertPath: string;
}

function serial(): string {
  return '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

function makeCa(): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
  const attrs = [
    { name: 'commonName', value: 'weiroto sandbox test CA' },
    { name: 'organizationName', value: 'weiroto sandbox' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

function makeLeaf(ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }, names: string[]): { cert: string; key: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 825 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: names[0] as string }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/**
 * Load the CA and server certificate from `dir`, or generate them there (a new temp directory
 * when `dir` is not given). The CA private key is written too, so the same CA can be reused.
 */
export async function ensureTlsMaterial(dir?: string): Promise<TlsMaterial> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'weiroto-sandbox-tls-')));
  await mkdir(where, { recursive: true });
  const files = {
    caCert: join(where, 'sandbox-ca.pem'),
    caKey: join(where, 'sandbox-ca-key.pem'),
    cert: join(where, 'sandbox-server.pem'),
    key: join(where, 'sandbox-server-key.pem'),
  };
  const names = allWechatHostNames();
  if (existsSync(files.caCert) && existsSync(files.cert) && existsSync(files.key)) {
    const cert = await readFile(files.cert, 'utf8');
    const parsed = forge.pki.certificateFromPem(cert);
    const alt = parsed.getExtension('subjectAltName') as { altNames?: { value?: string }[] } | null;
    const have = new Set((alt?.altNames ?? []).map((n) => n.value));
    if (names.every((n) => have.has(n)) && parsed.validity.notAfter.getTime() > Date.now() + 24 * 3600 * 1000) {
      return { cert, key: await readFile(files.key, 'utf8'), caCertPath: files.caCert };
    }
  }
  let ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };
  if (existsSync(files.caCert) && existsSync(files.caKey)) {
    ca = { cert: forge.pki.certificateFromPem(await readFile(files.caCert, 'utf8')), key: forge.pki.privateKeyFromPem(await readFile(files.caKey, 'utf8')) };
  } else {
    ca = makeCa();
    await writeFile(files.caCert, forge.pki.certificateToPem(ca.cert));
    await writeFile(files.caKey, forge.pki.privateKeyToPem(ca.key), { mode: 0o600 });
  }
  const leaf = makeLeaf(ca, names);
  await writeFile(files.cert, leaf.cert);
  await writeFile(files.key, leaf.key, { mode: 0o600 });
  return { cert: leaf.cert, key: leaf.key, caCertPath: files.caCert };
}
