import { describe, expect, it } from 'vitest';
import {
  derivePassphraseKey,
  generateDeviceKey,
  randomSalt,
  seal,
  unseal,
} from '../../src/storage/storage-crypto';

const SECRET = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

describe('storage crypto', () => {
  it('seals and unseals with a fresh IV each time', async () => {
    const key = await generateDeviceKey();
    const first = await seal(key, SECRET, 'context');
    const second = await seal(key, SECRET, 'context');
    expect(Buffer.from(first.iv).equals(Buffer.from(second.iv))).toBe(false);
    expect(Buffer.from(first.ciphertext).includes(Buffer.from(SECRET))).toBe(false);
    // AES-GCM: ciphertext as long as the text, plus a 16-byte tag.
    expect(first.ciphertext.byteLength).toBe(new TextEncoder().encode(SECRET).byteLength + 16);
    expect(await unseal(key, first, 'context')).toBe(SECRET);
    expect(await unseal(key, second, 'context')).toBe(SECRET);
  });

  it('fails on another key, another context or a flipped bit', async () => {
    const key = await generateDeviceKey();
    const sealed = await seal(key, SECRET, 'context');
    await expect(unseal(await generateDeviceKey(), sealed, 'context')).rejects.toThrow();
    await expect(unseal(key, sealed, 'other context')).rejects.toThrow();
    const tampered = new Uint8Array(sealed.ciphertext);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    await expect(unseal(key, { iv: sealed.iv, ciphertext: tampered }, 'context')).rejects.toThrow();
  });

  it('derives the same non-extractable key from the same passphrase and salt only', async () => {
    const salt = randomSalt();
    const key = await derivePassphraseKey('a long passphrase', salt, 1000);
    expect(key.extractable).toBe(false);
    const sealed = await seal(key, SECRET, 'context');
    const again = await derivePassphraseKey('a long passphrase', salt, 1000);
    expect(await unseal(again, sealed, 'context')).toBe(SECRET);
    const otherSalt = await derivePassphraseKey('a long passphrase', randomSalt(), 1000);
    await expect(unseal(otherSalt, sealed, 'context')).rejects.toThrow();
    const otherPassphrase = await derivePassphraseKey('a long passphrasf', salt, 1000);
    await expect(unseal(otherPassphrase, sealed, 'context')).rejects.toThrow();
  });
});
