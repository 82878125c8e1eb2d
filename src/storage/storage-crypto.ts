/**
 * The WebCrypto primitives behind encrypted API keys. Plain `crypto.subtle`, available alike in
 * the service worker, extension pages and Node 20. See docs/security.md for what they protect
 * against and what they do not.
 */
import type { SealedSecret } from './storage-types';

/** 96-bit IVs are what AES-GCM is specified for (NIST SP 800-38D §8.2). */
const IV_BYTES = 12;
const SALT_BYTES = 16;
const PASSPHRASE_KEY_BITS = 256;

/**
 * OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. The count is stored with the salt, so it
 * can be raised later without locking anyone out.
 */
export const DEFAULT_PASSPHRASE_ITERATIONS = 600_000;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function randomSalt(): Uint8Array<ArrayBuffer> {
  return randomBytes(SALT_BYTES);
}

/**
 * A fresh AES-256-GCM key that can never be exported: scripts can use it but not read it, so
 * the stored ciphertexts are useless outside this browser profile.
 */
export function generateDeviceKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * The 256 key bits a passphrase stands for (PBKDF2-HMAC-SHA256). Raw bits rather than a key, so
 * an unlock can be kept in the browser's session memory across service-worker restarts
 * (`UnlockKeeper`); `importPassphraseKey` turns them into the key that seals API keys.
 */
export async function derivePassphraseBits(
  passphrase: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const material = await crypto.subtle.importKey(
    'raw',
    textEncoder.encode(passphrase),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    PASSPHRASE_KEY_BITS,
  );
  return new Uint8Array(bits);
}

/**
 * The AES-256-GCM key of `derivePassphraseBits`' bits, non-extractable. The same key PBKDF2's
 * `deriveKey` gives for AES-GCM-256, so passphrases set either way open alike.
 */
export function importPassphraseKey(bits: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', bits, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/**
 * Encrypts a text under `key` with a fresh random IV. `context` is bound as additional
 * authenticated data, so a ciphertext copied to another record (say, another provider's row)
 * fails to decrypt instead of handing out the wrong key.
 */
export async function seal(
  key: CryptoKey,
  plaintext: string,
  context: string,
): Promise<SealedSecret> {
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: textEncoder.encode(context) },
    key,
    textEncoder.encode(plaintext),
  );
  return { iv, ciphertext: new Uint8Array(ciphertext) };
}

/** Decrypts what `seal` produced; rejects (OperationError) on a wrong key, context or tampering. */
export async function unseal(
  key: CryptoKey,
  sealed: SealedSecret,
  context: string,
): Promise<string> {
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: sealed.iv, additionalData: textEncoder.encode(context) },
    key,
    sealed.ciphertext,
  );
  return textDecoder.decode(plaintext);
}

export function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  return left.every((byte, index) => byte === right[index]);
}
