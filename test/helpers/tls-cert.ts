// A throwaway self-signed certificate for 127.0.0.1, made with the openssl command (installed by .ci/run),
// so no private key is kept in the repository.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** For 127.0.0.1 and, when given, the DNS names a tablet would use (`frontdesk.test`). */
export function makeTestCert(dir: string, name = 'test', dnsNames: readonly string[] = []): TestCert {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      ['subjectAltName=IP:127.0.0.1', ...dnsNames.map((d) => `DNS:${d}`)].join(','),
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}
