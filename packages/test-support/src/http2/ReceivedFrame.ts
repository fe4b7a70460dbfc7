/** A frame the server sent, as RawHttp2Client keeps it (DATA without its payload). */
export interface ReceivedFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}
