/**
 * Whether a URL's hostname is this machine (127.0.0.0/8, [::1], localhost): there the API key
 * cannot be overheard on the way, so plain http is allowed. Shared by the client and the
 * conformance engine, so both draw the line in the same place.
 */
export const isLoopbackHost = (hostname: string): boolean => /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(hostname);
