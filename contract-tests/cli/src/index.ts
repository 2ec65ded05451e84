// The package's library entry: the engine's public API, as engine/index.ts exports it.
export * from "../../engine/index.ts";
