/** The id Chromium gives an unpacked extension loaded from `directory`. */
export function unpackedExtensionId(directory: string): string;
