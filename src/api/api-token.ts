/** An API bearer token as the panel and the API show it (the plaintext is never stored). */
export interface ApiToken {
  id: string;
  name: string;
  /** A random id to recognise the token in a list; also inside tokens made here (`wrt_<publicId>_<secret>`), never derived from the secret. */
  publicId: string;
  /** `config`: the API_TOKEN setting; `panel`: made in the panel or the API. */
  source: 'panel' | 'config';
  readOnly: boolean;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}
