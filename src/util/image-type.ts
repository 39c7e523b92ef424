/**
 * The image type of some bytes by their magic number, or undefined. Avatars are served only when
 * they are real images: bytes of any other kind could be script in disguise.
 *
 * @example
 *   imageType(Buffer.from([0xff, 0xd8, 0xff])); // 'image/jpeg'
 */
export function imageType(b: Buffer): string | undefined {
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b[0] === 0x89 && b[1] === 0x50) return 'image/png';
  if (b.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  if (b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}
