/** One change between two specs, in words a reviewer understands. */
export interface Change {
  breaking: boolean;
  operation: string;
  message: string;
}
/** Parses and dereferences a spec given as YAML/JSON text; throws an Error naming `name` when it is not one. */
export declare function loadSpecText(source: string, name?: string): Promise<Record<string, unknown>>;
/** The changes from spec `a` (base) to spec `b` (new), breaking ones first. */
export declare function diffSpecs(a: Record<string, unknown>, b: Record<string, unknown>): Change[];
/** One line per change: "BREAKING  op (METHOD /path): what". */
export declare function describeChange(change: Change): string;
/** A CHANGELOG section ("## heading", then breaking and other changes). */
export declare function changelogSection(heading: string, changes: Change[]): string;
