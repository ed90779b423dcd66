/**
 * Starlette decodes a path leniently: a `%` not followed by two hex digits stays as written, and
 * bytes that are not UTF-8 become U+FFFD. Express refuses such a path with a bare 400 before any
 * route runs. Re-encoding those segments the lenient way lets the route answer as FastAPI does
 * (an id that is `%ZZ` is a 422 `uuid_parsing`, not an undocumented 400).
 */
export function fixPathEncoding(req: { url?: string }): void {
  if (req.url === undefined) return;
  const end = req.url.indexOf('?');
  const path = end < 0 ? req.url : req.url.slice(0, end);
  if (path.includes('%')) {
    const fixed = path
      .split('/')
      .map((segment) => (decodes(segment) ? segment : encodeURIComponent(lenientDecode(segment))))
      .join('/');
    if (fixed !== path) req.url = fixed + (end < 0 ? '' : req.url.slice(end));
  }
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

function lenientDecode(segment: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; ) {
    if (segment[i] === '%' && /^[0-9a-fA-F]{2}$/.test(segment.slice(i + 1, i + 3))) {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const char = String.fromCodePoint(segment.codePointAt(i)!);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
