// Property tests take their seed from FC_SEED when set (to replay a failure) and show it in the
// test title, so a failing run can always be reproduced.
export const fuzzSeed: number = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
