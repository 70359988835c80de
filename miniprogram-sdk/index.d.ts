// Type definitions for rpsio-miniprogram-sdk.
// A Socket.IO (protocol 5 / Engine.IO 4) client for WeChat mini-programs,
// mini-games and browsers, API-compatible with socket.io-client where it matters.

/** A value that can be sent: JSON values, ArrayBuffer / typed arrays (anywhere inside), and acks. */
export type Binary = ArrayBuffer | ArrayBufferView;

/** The parts of `wx` the SDK uses (also fits `qq`, `tt`, ... with the same API). */
export interface WxLike {
  connectSocket(options: {
    url: string;
    header?: Record<string, string>;
    protocols?: string[];
    tcpNoDelay?: boolean;
    success?: (res: any) => void;
    fail?: (res: { errMsg: string }) => void;
    complete?: (res: any) => void;
  }): WxSocketTask;
  onAppShow?(cb: (res?: any) => void): void;
  offAppShow?(cb: (res?: any) => void): void;
  onAppHide?(cb: (res?: any) => void): void;
  offAppHide?(cb: (res?: any) => void): void;
  onShow?(cb: (res?: any) => void): void;
  offShow?(cb: (res?: any) => void): void;
  onHide?(cb: (res?: any) => void): void;
  offHide?(cb: (res?: any) => void): void;
  onNetworkStatusChange?(cb: (res: { isConnected: boolean; networkType: string }) => void): void;
  offNetworkStatusChange?(cb: (res: { isConnected: boolean; networkType: string }) => void): void;
  getNetworkType?(options: { success?: (res: { networkType: string }) => void }): void;
}

export interface WxSocketTask {
  send(options: { data: string | ArrayBuffer; success?: (res: any) => void; fail?: (res: { errMsg: string }) => void }): void;
  close(options: { code?: number; reason?: string; success?: (res: any) => void; fail?: (res: { errMsg: string }) => void }): void;
  onOpen(cb: (res: any) => void): void;
  onClose(cb: (res: { code: number; reason: string }) => void): void;
  onError(cb: (res: { errMsg: string }) => void): void;
  onMessage(cb: (res: { data: string | ArrayBuffer }) => void): void;
}

export interface ManagerOptions {
  /** Engine.IO path on the server. Default "/socket.io". */
  path?: string;
  /** Extra query parameters of the connection URL. */
  query?: string | Record<string, string | number | boolean>;
  /** Reconnect automatically. Default true. */
  reconnection?: boolean;
  /** Give up after this many failed attempts (then "reconnect_failed"). Default Infinity. */
  reconnectionAttempts?: number;
  /** First reconnection delay in ms, doubled at each attempt. Default 1000. */
  reconnectionDelay?: number;
  /** Maximum reconnection delay in ms. Default 5000. */
  reconnectionDelayMax?: number;
  /** Jitter: each delay moves up or down by up to this fraction. Default 0.5. */
  randomizationFactor?: number;
  /** Connect timeout (websocket + Engine.IO handshake) in ms. Default 20000. */
  timeout?: number;
  /** Connect as soon as io() is called. Default true. */
  autoConnect?: boolean;
  /** Create a new connection instead of sharing one with other namespaces. */
  forceNew?: boolean;
  /** false = same as forceNew. Default true. */
  multiplex?: boolean;
  /**
   * Headers for the websocket handshake. Not reliable in mini-programs (some
   * headers are dropped or forbidden by WeChat): prefer `auth` or `query`.
   */
  extraHeaders?: Record<string, string>;
  /** Websocket sub-protocols. */
  protocols?: string[];
  /** The platform object. Default: the global `wx`. Pass `qq`, `tt`, or a fake in tests. */
  wx?: WxLike;
  /**
   * "wx" (SocketTask from wx.connectSocket) or "websocket" (the standard
   * WebSocket). Default: "wx" when a `wx` object exists, else "websocket".
   */
  transport?: 'wx' | 'websocket';
  /** WebSocket constructor for transport "websocket". Default: the global WebSocket. */
  WebSocket?: any;
  /** React to app show/hide and network status changes. Default true. */
  platformEvents?: boolean;
}

export interface SocketOptions {
  /** Sent with the namespace CONNECT; the server reads it as socket.handshake.auth. */
  auth?: Record<string, any> | ((cb: (data: Record<string, any>) => void) => void);
  /** When set, every ack callback is error-first and fails after this many ms. */
  ackTimeout?: number;
  /** Emits kept while disconnected (oldest dropped first, see "dropped"). 0 disables the queue. Default 100. */
  maxQueueSize?: number;
}

export type Options = ManagerOptions & SocketOptions;

/** Second argument of the "disconnect" event. */
export interface DisconnectDetails {
  description?: string;
  /** Close code reported by WeChat / the WebSocket (1000, 1006, ...). */
  code?: number;
  /** Close reason reported by WeChat / the WebSocket ("normal closure", "interrupted", ...). */
  reason?: string;
}

export type DisconnectReason =
  | 'io server disconnect'
  | 'io client disconnect'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'parse error';

export interface ConnectError extends Error {
  /** "TransportError", "TimeoutError", "ProtocolError" (server speaks another protocol version), or undefined for a middleware refusal. */
  type?: string;
  /** Data attached by the server middleware (`err.data`). */
  data?: any;
  description?: string;
}

/** Argument of the "dropped" event: an emit that will never be sent. */
export interface DroppedEmit {
  event: string;
  args: any[];
  reason: string;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ConnectError) => void;
  disconnect: (reason: DisconnectReason, details: DisconnectDetails) => void;
  dropped: (info: DroppedEmit) => void;
}

export interface ManagerEvents {
  open: () => void;
  close: (reason: string, details?: DisconnectDetails) => void;
  error: (err: ConnectError) => void;
  ping: () => void;
  packet: (packet: { type: number; nsp: string; id?: number; data?: any }) => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect: (attempt: number) => void;
  reconnect_error: (err: ConnectError) => void;
  reconnect_failed: () => void;
  app_show: (hiddenForMs: number) => void;
  app_hide: () => void;
  online: () => void;
  offline: () => void;
}

type Listener = (...args: any[]) => void;

declare class Emitter<Events extends { [K in keyof Events]: Listener }> {
  on<E extends keyof Events>(event: E, listener: Events[E]): this;
  on(event: string, listener: Listener): this;
  once<E extends keyof Events>(event: E, listener: Events[E]): this;
  once(event: string, listener: Listener): this;
  off<E extends keyof Events>(event?: E, listener?: Events[E]): this;
  off(event?: string, listener?: Listener): this;
  removeListener(event?: string, listener?: Listener): this;
  removeAllListeners(event?: string): this;
  listeners(event: string): Listener[];
  hasListeners(event: string): boolean;
}

export declare class Manager extends Emitter<ManagerEvents> {
  constructor(uri: string, opts?: ManagerOptions);
  readonly engine: { id: string | null; pingInterval: number; pingTimeout: number } | null;
  socket(nsp: string, opts?: SocketOptions): Socket;
  open(fn?: (err?: Error | null) => void): this;
  connect(fn?: (err?: Error | null) => void): this;
  /** Disconnects every socket and stops reconnecting. */
  disconnect(): this;
  close(): this;
  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnectionAttempts(): number;
  reconnectionAttempts(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v: number): this;
  randomizationFactor(): number;
  randomizationFactor(v: number): this;
  timeout(): number;
  timeout(v: number): this;
}

export declare class Socket extends Emitter<SocketReservedEvents> {
  /** The Manager (the shared connection): listen to reconnect_attempt / reconnect / reconnect_failed here. */
  readonly io: Manager;
  readonly nsp: string;
  /** Session id given by the server, set while connected. */
  readonly id: string | undefined;
  readonly connected: boolean;
  readonly disconnected: boolean;
  /** True while the socket wants to be connected (it will reconnect). */
  readonly active: boolean;
  /**
   * Whether the last (re)connection restored the session (Socket.IO connection state recovery,
   * socket.io 4.6+ and rpsio with it on): same id and rooms, and the events missed meanwhile were
   * delivered before "connect". The SDK sends the server's `pid` and the offset of the last event
   * received (kept events end with it as their last argument) on every reconnection, as
   * socket.io-client does.
   */
  readonly recovered: boolean;
  auth: SocketOptions['auth'];
  /** Emits waiting for the connection. */
  readonly sendBuffer: any[];
  /** The next emit is dropped instead of queued when not connected. */
  readonly volatile: this;

  connect(): this;
  open(): this;
  /** Leaves the namespace; the connection closes when no namespace uses it. Safe in every state. */
  disconnect(): this;
  close(): this;
  /** emit("message", ...args) */
  send(...args: any[]): this;
  /** Sends an event. A function as last argument is the ack callback. */
  emit(event: string, ...args: any[]): this;
  /** Sends an event and resolves with the server's first ack argument; rejects on timeout, disconnect or drop. */
  emitWithAck<T = any>(event: string, ...args: any[]): Promise<T>;
  /** The next emit's ack is error-first: (err, ...args), err after `ms` without answer or on disconnect. */
  timeout(ms: number): this;
  compress(compress: boolean): this;

  onAny(listener: (event: string, ...args: any[]) => void): this;
  prependAny(listener: (event: string, ...args: any[]) => void): this;
  offAny(listener?: (event: string, ...args: any[]) => void): this;
  listenersAny(): Array<(event: string, ...args: any[]) => void>;
  onAnyOutgoing(listener: (event: string, ...args: any[]) => void): this;
  prependAnyOutgoing(listener: (event: string, ...args: any[]) => void): this;
  offAnyOutgoing(listener?: (event: string, ...args: any[]) => void): this;
  listenersAnyOutgoing(): Array<(event: string, ...args: any[]) => void>;
}

export interface IoFunction {
  (url: string, opts?: Options): Socket;
  (opts: Options & { url: string }): Socket;
  io: IoFunction;
  connect: IoFunction;
  default: IoFunction;
  /** The name of the original design: `new WxSocketIO(url, opts)` is `io(url, opts)`. */
  WxSocketIO: WxSocketIOConstructor;
  Manager: typeof Manager;
  Socket: typeof Socket;
  /** Socket.IO protocol revision: 5. */
  protocol: number;
}

export interface WxSocketIOConstructor {
  new (url: string, opts?: Options): Socket;
  (url: string, opts?: Options): Socket;
}

declare const io: IoFunction;
export declare const WxSocketIO: WxSocketIOConstructor;
export declare const protocol: number;
export { io };
export default io;
