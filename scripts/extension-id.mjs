// The id Chromium gives an unpacked extension: the SHA-256 of its absolute path, first 32 hex
// digits written with the letters a–p (Chromium's crx_file::id_util::GenerateIdForPath).
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

export function unpackedExtensionId(directory) {
  const hex = createHash('sha256').update(resolve(directory)).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
}
