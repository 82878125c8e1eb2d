import { describe, expect, it } from 'vitest';
import {
  derivePassphraseBits,
  generateDeviceKey,
  importPassphraseKey,
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
    const derive = async (passphrase: string, salt: Uint8Array<ArrayBuffer>) =>
      importPassphraseKey(await derivePassphraseBits(passphrase, salt, 1000));
    const salt = randomSalt();
    const key = await derive('a long passphrase', salt);
    expect(key.extractable).toBe(false);
    const sealed = await seal(key, SECRET, 'context');
    const again = await derive('a long passphrase', salt);
    expect(await unseal(again, sealed, 'context')).toBe(SECRET);
    const otherSalt = await derive('a long passphrase', randomSalt());
    await expect(unseal(otherSalt, sealed, 'context')).rejects.toThrow();
    const otherPassphrase = await derive('a long passphrasf', salt);
    await expect(unseal(otherPassphrase, sealed, 'context')).rejects.toThrow();
  });

  it("opens what PBKDF2's deriveKey sealed: passphrases set before the raw-bits change still work", async () => {
    const salt = randomSalt();
    const material = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('a long passphrase'),
      'PBKDF2',
      false,
      ['deriveKey'],
    );
    const derivedKey = await crypto.subtle.deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1000 },
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
    const sealed = await seal(derivedKey, SECRET, 'context');
    const bits = await derivePassphraseBits('a long passphrase', salt, 1000);
    expect(bits).toHaveLength(32);
    expect(await unseal(await importPassphraseKey(bits), sealed, 'context')).toBe(SECRET);
  });

  it('refuses raw bits of the wrong length', async () => {
    await expect(importPassphraseKey(new Uint8Array(31))).rejects.toThrow();
  });
});
