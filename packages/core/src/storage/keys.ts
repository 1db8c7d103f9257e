/**
 * Object key layout (docs/format/layout.md). Everything for a collection lives under its
 * prefix so dropping it is one prefix delete, and manifests are named so the newest sorts
 * first in an ascending listing (lance's trick): the version is stored as 2^53-1 - version,
 * zero-padded to 16 digits.
 */
const MAX_VERSION = Number.MAX_SAFE_INTEGER;

export const keys = {
  collection: (collectionId: number): string => `c${collectionId}/`,
  manifestDir: (collectionId: number): string => `c${collectionId}/manifest/`,
  manifest: (collectionId: number, version: number): string =>
    `c${collectionId}/manifest/${String(MAX_VERSION - version).padStart(16, '0')}.json`,
  versionOfManifest: (key: string): number => MAX_VERSION - Number(key.slice(key.lastIndexOf('/') + 1, -'.json'.length)),
  insertLog: (collectionId: number, segmentId: number): string => `c${collectionId}/s${segmentId}/insert.arrow`,
  deltaLog: (collectionId: number, segmentId: number, seq: number): string =>
    `c${collectionId}/s${segmentId}/delta-${String(seq).padStart(8, '0')}.arrow`,
  indexFile: (collectionId: number, segmentId: number, field: string, buildId: number): string =>
    `c${collectionId}/s${segmentId}/index-${field}-${buildId}.bin`,
};
