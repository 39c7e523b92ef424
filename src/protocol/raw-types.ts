/**
 * Raw WeChat web-protocol shapes, exactly as on the wire (field names and casing from
 * ../shared/protocol.md). Only src/protocol and src/sandbox may import this file. Fields the
 * server sometimes omits are optional; numbers that can exceed 2^53 are strings.
 */

export interface RawBaseRequest {
  Uin: number | string;
  Sid: string;
  Skey: string;
  DeviceID: string;
}

export interface RawBaseResponse {
  Ret: number;
  ErrMsg: string;
}

export interface RawSyncKeyItem {
  Key: number;
  Val: number;
}

export interface RawSyncKey {
  Count: number;
  List: RawSyncKeyItem[];
}

export interface RawMember {
  Uin: number;
  UserName: string;
  NickName: string;
  AttrStatus: number;
  PYInitial: string;
  PYQuanPin: string;
  RemarkPYInitial: string;
  RemarkPYQuanPin: string;
  MemberStatus: number;
  DisplayName: string;
  KeyWord: string;
  HeadImgUrl?: string;
}

export interface RawContact {
  Uin: number;
  UserName: string;
  NickName: string;
  HeadImgUrl: string;
  ContactFlag: number;
  MemberCount: number;
  MemberList: RawMember[];
  RemarkName: string;
  HideInputBarFlag: number;
  Sex: number;
  Signature: string;
  VerifyFlag: number;
  OwnerUin: number;
  PYInitial: string;
  PYQuanPin: string;
  RemarkPYInitial: string;
  RemarkPYQuanPin: string;
  StarFriend: number;
  AppAccountFlag: number;
  Statues: number;
  AttrStatus: number;
  Province: string;
  City: string;
  Alias: string;
  SnsFlag: number;
  UniFriend: number;
  DisplayName: string;
  ChatRoomId: number;
  KeyWord: string;
  EncryChatRoomId: string;
  IsOwner: number;
  ChatRoomOwner?: string;
  HeadImgUpdateFlag?: number;
  ContactType?: number;
}

export interface RawUser {
  Uin: number;
  UserName: string;
  NickName: string;
  HeadImgUrl: string;
  RemarkName: string;
  PYInitial: string;
  PYQuanPin: string;
  RemarkPYInitial: string;
  RemarkPYQuanPin: string;
  HideInputBarFlag: number;
  StarFriend: number;
  Sex: number;
  Signature: string;
  AppAccountFlag: number;
  VerifyFlag: number;
  ContactFlag: number;
  WebWxPluginSwitch: number;
  HeadImgFlag: number;
  SnsFlag: number;
}

export interface RawMPArticle {
  Title: string;
  Digest: string;
  Cover: string;
  Url: string;
}

export interface RawMPSubscribeMsg {
  UserName: string;
  MPArticleCount: number;
  MPArticleList: RawMPArticle[];
  Time: number;
  NickName: string;
}

export interface RawInitResponse {
  BaseResponse: RawBaseResponse;
  Count: number;
  ContactList: RawContact[];
  SyncKey: RawSyncKey;
  User: RawUser;
  ChatSet: string;
  SKey: string;
  ClientVersion: number;
  SystemTime: number;
  GrayScale: number;
  InviteStartCount: number;
  MPSubscribeMsgCount: number;
  MPSubscribeMsgList: RawMPSubscribeMsg[];
  ClickReportInterval: number;
}

export interface RawGetContactResponse {
  BaseResponse: RawBaseResponse;
  MemberCount: number;
  MemberList: RawContact[];
  Seq: number;
}

export interface RawBatchGetContactItem {
  UserName: string;
  EncryChatRoomId: string;
  ChatRoomId?: string;
}

export interface RawBatchGetContactRequest {
  BaseRequest: RawBaseRequest;
  Count: number;
  List: RawBatchGetContactItem[];
}

export interface RawBatchGetContactResponse {
  BaseResponse: RawBaseResponse;
  Count: number;
  ContactList: RawContact[];
}

export interface RawRecommendInfo {
  UserName: string;
  NickName: string;
  QQNum: number;
  Province: string;
  City: string;
  Content: string;
  Signature: string;
  Alias: string;
  Scene: number;
  VerifyFlag: number;
  AttrStatus: number;
  Sex: number;
  Ticket: string;
  OpCode: number;
}

export interface RawAppInfo {
  AppID: string;
  Type: number;
}

export interface RawAddMsg {
  /** 64-bit id as a decimal string: key messages by this. */
  MsgId: string;
  FromUserName: string;
  ToUserName: string;
  MsgType: number;
  Content: string;
  Status: number;
  ImgStatus: number;
  CreateTime: number;
  VoiceLength: number;
  PlayLength: number;
  FileName: string;
  /** A string on the wire ("" when not applicable). */
  FileSize: string;
  MediaId: string;
  Url: string;
  AppMsgType: number;
  StatusNotifyCode: number;
  StatusNotifyUserName: string;
  RecommendInfo: RawRecommendInfo;
  ForwardFlag: number;
  AppInfo: RawAppInfo;
  HasProductId: number;
  Ticket: string;
  ImgHeight: number;
  ImgWidth: number;
  SubMsgType: number;
  /** The same 64-bit value as a JSON number; the JSON parser keeps it as a string. */
  NewMsgId: number | string;
  OriContent?: string;
  EncryFileName?: string;
}

export interface RawBuff {
  Buff: string;
}

export interface RawProfile {
  BitFlag: number;
  UserName: RawBuff;
  NickName: RawBuff;
  BindUin: number;
  BindEmail: RawBuff;
  BindMobile: RawBuff;
  Status: number;
  Sex: number;
  PersonalCard: number;
  Alias: string;
  HeadImgUpdateFlag: number;
  HeadImgUrl: string;
  Signature: string;
}

export interface RawDelContact {
  UserName: string;
  ContactFlag: number;
}

export interface RawSyncRequest {
  BaseRequest: RawBaseRequest;
  SyncKey: RawSyncKey;
  rr: number;
}

export interface RawSyncResponse {
  BaseResponse: RawBaseResponse;
  AddMsgCount: number;
  AddMsgList: RawAddMsg[];
  ModContactCount: number;
  ModContactList: RawContact[];
  DelContactCount: number;
  DelContactList: RawDelContact[];
  ModChatRoomMemberCount: number;
  ModChatRoomMemberList: any[];
  Profile: RawProfile;
  ContinueFlag: number;
  SyncKey: RawSyncKey;
  /** Absent on older servers (the 2016 recording). */
  SyncCheckKey?: RawSyncKey;
  SKey: string;
}

export interface RawStatusNotifyRequest {
  BaseRequest: RawBaseRequest;
  Code: number;
  FromUserName: string;
  ToUserName: string;
  ClientMsgId: number | string;
}

export interface RawSendMsg {
  Type: number;
  Content?: string;
  MediaId?: string;
  FromUserName: string;
  ToUserName: string;
  LocalID: string | number;
  ClientMsgId: string | number;
  EmojiFlag?: number;
  EMoticonMd5?: string;
  Signature?: string;
  MsgSource?: string;
}

export interface RawSendRequest {
  BaseRequest: RawBaseRequest;
  Msg: RawSendMsg;
  Scene: number;
}

export interface RawSendResponse {
  BaseResponse: RawBaseResponse;
  MsgID: string;
  LocalID: string;
}

export interface RawUploadMediaRequest {
  UploadType: number;
  BaseRequest: RawBaseRequest;
  ClientMediaId: string | number;
  TotalLen: number;
  StartPos: number;
  DataLen: number;
  MediaType: number;
  FromUserName: string;
  ToUserName: string;
  FileMd5?: string;
  AESKey?: string;
  Signature?: string;
}

export interface RawUploadMediaResponse {
  BaseResponse: RawBaseResponse;
  MediaId: string;
  StartPos: number;
  CDNThumbImgHeight: number;
  CDNThumbImgWidth: number;
  EncryFileName: string;
}

export interface RawCheckUploadRequest {
  BaseRequest: RawBaseRequest;
  FromUserName: string;
  ToUserName: string;
  FileSize: number;
  FileMd5: string;
  FileName: string;
  FileType: number;
}

export interface RawCheckUploadResponse {
  BaseResponse: RawBaseResponse;
  MediaId: string;
  AESKey: string;
  Signature: string;
  EntryFileName?: string;
}

export interface RawRevokeRequest {
  BaseRequest: RawBaseRequest;
  SvrMsgId: string;
  ToUserName: string;
  ClientMsgId: string | number;
}

export interface RawRevokeResponse {
  BaseResponse: RawBaseResponse;
  Introduction: string;
  SysWording: string;
}

export interface RawVerifyUserRequest {
  BaseRequest: RawBaseRequest;
  Opcode: number;
  VerifyUserListSize: number;
  VerifyUserList: { Value: string; VerifyUserTicket: string }[];
  VerifyContent: string;
  SceneListCount: number;
  SceneList: number[];
  skey: string;
}

export interface RawOplogRequest {
  BaseRequest: RawBaseRequest;
  CmdId: number;
  UserName: string;
  RemarkName?: string;
  OP?: number;
}

export interface RawCreateChatroomRequest {
  BaseRequest: RawBaseRequest;
  MemberCount: number;
  MemberList: { UserName: string }[];
  Topic: string;
}

export interface RawCreateChatroomResponse {
  BaseResponse: RawBaseResponse;
  Topic: string;
  PYInitial: string;
  QuanPin: string;
  MemberCount: number;
  MemberList: RawMember[];
  ChatRoomName: string;
  BlackList: string;
}

export interface RawUpdateChatroomRequest {
  BaseRequest: RawBaseRequest;
  ChatRoomName: string;
  AddMemberList?: string;
  InviteMemberList?: string;
  DelMemberList?: string;
  NewTopic?: string;
}

export interface RawUpdateChatroomResponse {
  BaseResponse: RawBaseResponse;
  MemberCount: number;
  MemberList: RawMember[];
}

export interface RawPushLoginResponse {
  /** A string on the wire: "0" ok, "1" args error, "2" antispam, "3" device authinfo invalid. */
  ret: string;
  msg: string;
  uuid?: string;
}

/** Parsed newloginpage XML (`<error>…</error>`). */
export interface RawLoginPage {
  ret: number;
  message: string;
  skey?: string;
  wxsid?: string;
  wxuin?: string;
  pass_ticket?: string;
  isgrayscale?: string;
  redirecturl?: string;
}

/** Loosely typed JSON from the wire before validation. */
export type RawJson = any;
