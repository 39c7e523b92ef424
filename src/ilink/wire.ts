/**
 * Raw iLink wire shapes (../shared/ilink.md §4–§7), exactly as the server spells them. They never
 * leave src/ilink: the rest of weiroto sees the domain model of src/transport. Every response field
 * is optional (§2.4: "treat every response field as optional").
 */

export const ITEM_TEXT = 1;
export const ITEM_IMAGE = 2;
export const ITEM_VOICE = 3;
export const ITEM_FILE = 4;
export const ITEM_VIDEO = 5;

export const MESSAGE_TYPE_USER = 1;
export const MESSAGE_TYPE_BOT = 2;
export const MESSAGE_STATE_FINISH = 2;

/** `getuploadurl` media_type (§7.2). */
export const UPLOAD_IMAGE = 1;
export const UPLOAD_VIDEO = 2;
export const UPLOAD_FILE = 3;

export interface WireBaseInfo {
  channel_version: string;
  bot_agent: string;
}

export interface WireCdnMedia {
  encrypt_query_param?: string;
  aes_key?: string;
  encrypt_type?: number;
  full_url?: string;
}

export interface WireItem {
  type?: number;
  msg_id?: string;
  create_time_ms?: number;
  ref_msg?: { message_item?: WireItem; title?: string };
  text_item?: { text?: string };
  image_item?: { media?: WireCdnMedia; thumb_media?: WireCdnMedia; aeskey?: string; url?: string; mid_size?: number; hd_size?: number; thumb_size?: number };
  voice_item?: { media?: WireCdnMedia; encode_type?: number; sample_rate?: number; bits_per_sample?: number; playtime?: number; text?: string };
  file_item?: { media?: WireCdnMedia; file_name?: string; md5?: string; len?: string };
  video_item?: { media?: WireCdnMedia; video_size?: number; play_length?: number; video_md5?: string; thumb_media?: WireCdnMedia };
}

export interface WireMessage {
  seq?: number;
  /** Kept as a string when it is 16+ digits (src/util/wire-json.ts). */
  message_id?: number | string;
  from_user_id?: string;
  to_user_id?: string;
  client_id?: string;
  create_time_ms?: number;
  session_id?: string;
  message_type?: number;
  message_state?: number;
  item_list?: WireItem[];
  context_token?: string;
}

/** The part every answer may carry: `ret`, or `errcode` alone for a dead token (§4.1). */
export interface WireStatus {
  ret?: number;
  errcode?: number;
  errmsg?: string;
}

export interface WireGetUpdates extends WireStatus {
  msgs?: WireMessage[];
  get_updates_buf?: string;
  /** Deprecated alias of the cursor. */
  sync_buf?: string;
  longpolling_timeout_ms?: number;
}

export interface WireQrCode extends WireStatus {
  qrcode?: string;
  qrcode_img_content?: string;
}

export type WireQrStatusName =
  'wait' | 'scaned' | 'need_verifycode' | 'verify_code_blocked' | 'expired' | 'scaned_but_redirect' | 'binded_redirect' | 'confirmed';

export interface WireQrStatus extends WireStatus {
  status?: WireQrStatusName | string;
  bot_token?: string;
  ilink_bot_id?: string;
  baseurl?: string;
  ilink_user_id?: string;
  redirect_host?: string;
}

export interface WireSendAnswer extends WireStatus {
  /** Optional; a uint64 (kept as a string when long). */
  message_id?: number | string;
}

export interface WireUploadUrl extends WireStatus {
  upload_param?: string;
  upload_full_url?: string;
}

export interface WireConfig extends WireStatus {
  typing_ticket?: string;
}
