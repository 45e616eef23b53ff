// Public API of the Livedesk JavaScript SDK. Frames follow the proto3 JSON mapping of
// livedesk.proto: camelCase fields, int64 values as strings, enums by name.

export type Int64 = string;

// ------------------------------------------------------------------ codes

export declare const ErrorCode: Readonly<{
  BAD_FRAME: 1001; UNKNOWN_TYPE: 1002; FRAME_TOO_LARGE: 1003; INVALID_ARGUMENT: 1004; NOT_AUTHENTICATED: 1005;
  FORBIDDEN: 1006; NOT_FOUND: 1007; CONFLICT: 1008; ALREADY_AUTHENTICATED: 1009; TOKEN_INVALID: 1010;
  TOKEN_EXPIRED: 1011; SLOW_MODE: 1101; TOO_LONG: 1102; BLOCKED_TERM: 1103; MUTED: 1104; BANNED: 1105;
  NOT_IN_ROOM: 1106; SOLD_OUT: 1201; COUPON_EXPIRED: 1202; CLAIM_LIMIT: 1203; FREQUENCY_CAPPED: 1204;
  RATE_LIMITED: 2001; STORE_UNAVAILABLE: 2002; INTERNAL: 2003; UNAVAILABLE: 2004;
  TOO_MANY_CONNECTIONS: 3001; AUTH_TIMEOUT: 3002; ABUSE: 3003;
}>;
export type ErrorCodeName = keyof typeof ErrorCode;

export declare const ClientErrorCode: Readonly<{ DISCONNECTED: 'DISCONNECTED'; TIMEOUT: 'TIMEOUT'; CLOSED: 'CLOSED' }>;
export type ClientErrorCodeName = keyof typeof ClientErrorCode;

export interface CloseCodeEntry { code: number; reconnect: boolean; newToken?: boolean; slowDown?: boolean }
export declare const CloseCode: Readonly<Record<
  'NORMAL' | 'GOING_AWAY' | 'INVALID_PAYLOAD' | 'POLICY_VIOLATION' | 'MESSAGE_TOO_BIG' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED'
  | 'AUTH_TIMEOUT' | 'RATE_LIMITED' | 'ABUSE' | 'TOO_MANY_CONNECTIONS', CloseCodeEntry>>;

export declare function errorName(code: string | number): string;
export declare function isRetryable(code: string | number): boolean;
export declare function closeAction(code: number): { name: string; action: 'reconnect' | 'newToken' | 'stop'; slowDown: boolean };

export declare class LivedeskError extends Error {
  readonly name: 'LivedeskError';
  /** e.g. 'RATE_LIMITED', or a ClientErrorCode such as 'DISCONNECTED'. */
  readonly code: ErrorCodeName | ClientErrorCodeName | string;
  readonly retryable: boolean;
  readonly retryAfterMs: number;
  constructor(code: string | number, message?: string, options?: { retryAfterMs?: number; retryable?: boolean });
  static fromFrame(error: ErrorBody): LivedeskError;
}

// ------------------------------------------------------------------ frame bodies (the ones the SDK surfaces)

export interface ErrorBody { code: ErrorCodeName; message?: string; retryable?: boolean; retryAfterMs?: number }
export interface Limits { maxFrameBytes?: number; framesPerSecond?: number; frameBurst?: number; pingIntervalSeconds?: number; idleTimeoutSeconds?: number }
export interface Welcome {
  sessionId: string; userId: string; roles?: string[]; tags?: string[]; nodeId?: string;
  serverTime: Int64; tokenExpiresAt: Int64; limits?: Limits; encoding: 'json' | 'protobuf';
}
export interface RoomMessage {
  roomId: string; messageId: string; userId: string; userName?: string; text: string; at: Int64; clientMsgId?: string; moderator?: boolean;
}
export interface Pinned { roomId: string; productId?: string; announcement?: string; by?: string; at?: Int64 }
export interface RoomJoined { roomId: string; history?: RoomMessage[]; pinned?: Pinned; viewers?: number; slowModeSeconds?: number }
export interface ViewerCount { roomId: string; count: number }
export interface RoomNotice { roomId: string; kind: string; messageId?: string; userId?: string; seconds?: number; text?: string }
export interface RoomHistory { roomId: string; messages?: RoomMessage[]; more?: boolean }

export type ConversationState = 'BOT' | 'WAITING' | 'OFFERED' | 'ACTIVE' | 'RESOLVED' | 'CLOSED';
export interface Conversation {
  id: string; state: ConversationState; tier?: string; intent?: string; customerId?: string; customerName?: string;
  agentId?: string; agentName?: string; roomId?: string; productId?: string; streamTs?: Int64; orderId?: string;
  createdAt?: Int64; deadlineAt?: Int64; sla?: 'PENDING' | 'MET' | 'BREACHED'; customerTags?: string[]; lastSeq?: number;
  closedBy?: string; closeReason?: string; rating?: number;
}
export interface ConversationMessage {
  conversationId: string; seq: number; senderId: string; senderName?: string;
  senderRole?: 'CUSTOMER' | 'AGENT' | 'BOT_SENDER' | 'SYSTEM'; text: string; clientMsgId?: string; at?: Int64;
  /** Set on the SDK's own copy of a message this client sent, made from its Ack. */
  own?: boolean;
}
export interface Ack { conversationId: string; clientMsgId: string; seq: number; at: Int64 }
export interface Typing { conversationId: string; userId: string; typing: boolean }
export interface Read { conversationId: string; userId: string; seq: number }
export interface HistoryPage { conversationId: string; messages?: ConversationMessage[]; more?: boolean }
export interface ConversationCursor { conversationId: string; lastSeq: number }
export interface Resumed { cursors?: ConversationCursor[] }

export type PresenceStatus = 'ONLINE' | 'AWAY' | 'OFFLINE';
export interface AgentStatus {
  status: PresenceStatus; capacity?: number; skills?: string[]; displayName?: string; active?: number; agentId?: string;
}
export interface Offer { offerId: string; conversation: Conversation; expiresAt?: Int64; warning?: boolean; transcript?: ConversationMessage[] }
export interface OfferWithdrawn { offerId: string; conversationId: string; reason?: string }

export interface LocalizedText { zh?: string; en?: string }
export interface Coupon {
  couponId: string; title?: LocalizedText; amountCents?: Int64; percentOff?: number; expiresAt?: Int64; perUserLimit?: number; total?: number;
}
export interface Prompt { text?: LocalizedText; productId?: string; link?: string }
export interface Push { pushId: string; campaignId: string; coupon?: Coupon; prompt?: Prompt; at?: Int64 }
export interface ClaimResult {
  granted: boolean; grantId?: string; couponId?: string; campaignId?: string; reason?: ErrorCodeName; remaining?: number;
}
export interface Signal {
  kind: 'VIEW_PRODUCT' | 'ADD_TO_CART' | 'CART_DWELL' | 'CHECKOUT_ABANDON' | 'ORDER_PLACED';
  productId?: string; roomId?: string; dwellSeconds?: number; orderId?: string; amountCents?: Int64;
}

export interface QueueEntry { conversation: Conversation; ageMs?: Int64; timeLeftMs?: Int64 }
export interface AgentView {
  agentId: string; name?: string; status?: PresenceStatus; capacity?: number; active?: number; skills?: string[]; nodeId?: string;
}
export interface TierStats { tier: string; waiting?: number; met?: Int64; breached?: Int64; attainment?: number; firstResponseP50Ms?: number }
export interface SupervisorView {
  queue?: QueueEntry[]; agents?: AgentView[]; tiers?: TierStats[]; viewersByRoom?: Record<string, number>; at?: Int64;
}
export interface SlaAlert { kind: 'WARNING' | 'BREACH'; conversation: Conversation; at?: Int64 }

/** A frame: the envelope and exactly one body, keyed by its type. */
export type Frame = { id?: string; replyTo?: string } & Record<string, unknown>;

// ------------------------------------------------------------------ the client

export interface Encoding {
  readonly name: 'json' | 'protobuf';
  readonly subprotocol: string;
  encode(frame: Frame): string | Uint8Array;
  decode(data: string | ArrayBuffer | Uint8Array): Frame;
}
export declare const jsonEncoding: Encoding;
/** The protobuf encoding; in Node pass `proto` (the .proto text) or `protoUrl`. */
export declare function protobufEncoding(options?: { protobuf?: unknown; proto?: string; protoUrl?: string | URL }): Promise<Encoding>;

export interface BackoffOptions { minDelayMs: number; maxDelayMs: number; factor: number }
export declare const DEFAULT_BACKOFF: Readonly<BackoffOptions>;
export declare function backoffDelay(attempt: number, options?: BackoffOptions, random?: () => number): number;

export interface ClientOptions {
  /** ws:// or wss:// URL of /ws; in a page, defaults to the page's own host. */
  url?: string;
  /** The token to connect with; or leave it out and give getToken. */
  token?: string;
  /** Fetches a fresh token: called before the current one expires, and after a 4002 close. */
  getToken?: () => Promise<string>;
  /** jsonEncoding (default) or the result of protobufEncoding(). */
  encoding?: Encoding;
  /** A WebSocket class; defaults to globalThis.WebSocket (pass the `ws` package's in Node 20). */
  WebSocket?: unknown;
  /** Last seen sequence number per conversation, to resume after a page reload. */
  cursors?: Record<string, number>;
  requestTimeoutMs?: number;
  /** How long before expiry getToken is called (at most a third of the token's life). */
  refreshMarginMs?: number;
  /** How long a gap in a conversation may stay open before the SDK asks the server to fill it. */
  gapTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
export interface CloseInfo { code: number; reason: string; name: string; willReconnect: boolean }

export interface ClientEvents {
  state: ClientState;
  welcome: Welcome;
  close: CloseInfo;
  error: LivedeskError;
  frame: Frame;
  tokenRefreshed: { expiresAt: Int64 };
  resumed: Resumed;
  gap: { conversationId: string };
  roomJoined: RoomJoined;
  roomMessage: RoomMessage;
  viewerCount: ViewerCount;
  pinned: Pinned;
  roomNotice: RoomNotice;
  conversation: Conversation;
  /** Conversation messages, each exactly once and in sequence per conversation. */
  message: ConversationMessage;
  ack: Ack;
  typing: Typing;
  read: Read;
  agentStatus: AgentStatus;
  offer: Offer;
  offerWithdrawn: OfferWithdrawn;
  push: Push;
  claimResult: ClaimResult;
  supervisorView: SupervisorView;
  slaAlert: SlaAlert;
}

export declare class Emitter<Events extends object> {
  on<K extends keyof Events>(type: K, listener: (event: Events[K]) => void): () => void;
  once<K extends keyof Events>(type: K, listener: (event: Events[K]) => void): () => void;
  off<K extends keyof Events>(type: K, listener: (event: Events[K]) => void): void;
  next<K extends keyof Events>(type: K, filter?: (event: Events[K]) => boolean): Promise<Events[K]>;
}

export declare const SDK_VERSION: string;
export declare function bodyType(frame: Frame): string | undefined;

export declare class LivedeskClient extends Emitter<ClientEvents> {
  constructor(options: ClientOptions);
  readonly state: ClientState;
  readonly welcome: Welcome | null;
  readonly userId: string | undefined;
  readonly encoding: 'json' | 'protobuf';
  readonly stats: { reconnects: number; duplicates: number; resent: number; outbox: number };
  serverNow(): number;
  cursors(): Record<string, number>;
  connect(): Promise<Welcome>;
  close(): void;

  /** Resolves with the reply frame; rejects with a LivedeskError. */
  request(type: string, body?: object, options?: { timeoutMs?: number }): Promise<Frame>;
  notify(type: string, body?: object): boolean;
  ping(): Promise<{ rttMs: number; serverTime: number }>;

  joinRoom(roomId: string): Promise<RoomJoined>;
  leaveRoom(roomId: string): Promise<Frame>;
  say(roomId: string, text: string, options?: { clientMsgId?: string }): Promise<Frame>;
  roomHistory(roomId: string, options?: { beforeMessageId?: string; limit?: number }): Promise<RoomHistory>;
  pin(roomId: string, pin?: { productId?: string; announcement?: string; clear?: boolean }): Promise<Frame>;
  moderate(moderation: { roomId: string; action: string; userId?: string; messageId?: string; durationSeconds?: number; reason?: string }): Promise<Frame>;

  ask(question: { text: string; roomId?: string; productId?: string; streamTs?: number | Int64; orderId?: string; clientMsgId?: string }): Promise<Conversation>;
  sendMessage(conversationId: string, text: string, options?: { clientMsgId?: string }): Promise<Ack>;
  typing(conversationId: string, typing?: boolean): boolean;
  markRead(conversationId: string, seq: number): boolean;
  history(conversationId: string, options?: { beforeSeq?: number; limit?: number }): Promise<HistoryPage>;
  transfer(conversationId: string, options?: { toAgentId?: string; note?: string }): Promise<Frame>;
  closeConversation(conversationId: string, options?: { reason?: string; resolved?: boolean }): Promise<Frame>;
  rate(conversationId: string, stars: number, comment?: string): Promise<Frame>;

  setAgentStatus(status?: { status?: PresenceStatus; capacity?: number; skills?: string[]; displayName?: string }): Promise<AgentStatus>;
  acceptOffer(offerId: string, conversationId?: string): Promise<Frame>;
  declineOffer(offerId: string, reason?: string): Promise<Frame>;
  watchSupervisor(on?: boolean): Promise<Frame>;
  assign(conversationId: string, agentId: string): Promise<Frame>;

  claim(campaignId: string, couponId: string): Promise<ClaimResult>;
  pushOpened(pushId: string, campaignId: string): boolean;
  signal(signal: Signal): boolean;
}

export declare class Sequencer {
  constructor(cursors?: Record<string, number>);
  track(conversationId: string, lastSeq?: number): void;
  forget(conversationId: string): void;
  cursors(): ConversationCursor[];
  lastSeq(conversationId: string): number | undefined;
  accept(message: ConversationMessage): { ready: ConversationMessage[]; duplicate: boolean; gap: boolean };
  flush(conversationId: string): ConversationMessage[];
  gaps(): string[];
}
