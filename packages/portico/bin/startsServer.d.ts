export declare const startValueOptions: readonly string[];
export declare const startShortValueOptions: Readonly<Record<string, string>>;
export declare function startsServer(args: readonly string[]): boolean;
