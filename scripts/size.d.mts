/** Budget for the minified bundle of the public entry with openapi-fetch, in bytes. */
export declare const BUDGET: number;
/** Minified ESM bundle (esbuild) of `entry` or of inline `contents`: raw and gzipped bytes. */
export declare function measureBundle(options?: {
  entry?: string;
  contents?: string;
}): Promise<{ bytes: number; gzip: number }>;
