// Flux image-automation setter markers: `# {"$imagepolicy": "<ns>:<policy>[:tag|:name|:digest]"}` after a scalar.
// https://fluxcd.io/flux/guides/image-update/#configure-image-update-for-custom-resources

/** The `$imagepolicy` value of the comment that follows `offset` on the same line, if any. */
export function markerAfter(text: string, offset: number): string | undefined {
  if (offset < 0) return undefined;
  let i = offset;
  while (text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i) !== 35) return undefined;
  let end = text.indexOf('\n', i);
  if (end === -1) end = text.length;
  const comment = text.slice(i + 1, end).trim();
  if (!comment.includes('$imagepolicy')) return undefined;
  return parseMarker(comment);
}

/** Parses the JSON object of a marker comment; undefined when it is not one. */
export function parseMarker(comment: string): string | undefined {
  try {
    const value: unknown = JSON.parse(comment);
    if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)['$imagepolicy'] === 'string') {
      return (value as Record<string, string>)['$imagepolicy'];
    }
  } catch {
    // not JSON: an ordinary comment that mentions $imagepolicy
  }
  return undefined;
}
