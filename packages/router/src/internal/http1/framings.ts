import type { BodyFraming } from '../../http1/RequestHead.ts';
import type { ResponseFraming } from '../../http1/ResponseHead.ts';

// The framings that carry no length, shared by every head that has them: heads are never written to.
export const NO_BODY: BodyFraming = Object.freeze({ kind: 'none' });
export const CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
export const UNTIL_CLOSE: ResponseFraming = Object.freeze({ kind: 'until-close' });
