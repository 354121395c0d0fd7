import { sodium } from './sodium.ts';
import { toBase64Url } from '../protocol/encoding.ts';

/** 128 random bits in base64url (22 characters): message IDs and signaling session IDs. */
export async function randomId(): Promise<string> {
  const s = await sodium();
  return toBase64Url(s.randombytes_buf(16));
}
