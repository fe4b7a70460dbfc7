import type { BodyFraming } from '../../http1/RequestHead.ts';

// The framings without a length, shared by every head that has them: heads are never written to.
export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
export const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
