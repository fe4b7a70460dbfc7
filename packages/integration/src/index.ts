// Built by a later issue: see docs/ and the issue tracker.
export {};
