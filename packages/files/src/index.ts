export { readRegularFile } from './readRegularFile.ts';
export { readRegularFileSync } from './readRegularFileSync.ts';
export type { RegularFileRead } from './RegularFileRead.ts';
export { fileKind } from './fileKind.ts';
export { whyUnreadable } from './whyUnreadable.ts';
