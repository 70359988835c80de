// Compiled with `tsc --noEmit --strict` by test/types.test.js: the typings
// must accept what a socket.io-client user writes.
import io, { io as namedIo, WxSocketIO, Socket, Manager, DisconnectDetails, ConnectError } from '../../index';

declare const wx: any;

const socket: Socket = io('wss://game.example.com/rps', {
  auth: { name: 'Ann', token: 't' },
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  reconnectionAttempts: 10,
  maxQueueSize: 50,
  ackTimeout: 5000,
  wx,
});
const other: Socket = namedIo('https://game.example.com', { forceNew: true, transport: 'websocket' });
const legacy: Socket = new WxSocketIO('wss://game.example.com', { autoConnect: false });

socket.on('connect', () => console.log(socket.id, socket.connected));
socket.on('disconnect', (reason, details: DisconnectDetails) => console.log(reason, details.code, details.reason));
socket.on('connect_error', (err: ConnectError) => console.log(err.message, err.data, err.type));
socket.on('dropped', (info) => console.log(info.event, info.args, info.reason));
socket.on('room', (room: { id: string }) => console.log(room.id));
socket.once('start', (...args: any[]) => args);
socket.onAny((event, ...args) => console.log(event, args));
socket.emit('join', { size: 2 }, (res: { ok: boolean }) => console.log(res.ok));
socket.timeout(3000).emit('choose', { move: 'rock' }, (err: Error | null, res: any) => console.log(err, res));
socket.volatile.emit('cursor', 1, 2);
socket.emit('binary', new Uint8Array([1]).buffer);
async function play(): Promise<boolean> {
  const res = await socket.timeout(2000).emitWithAck<{ ok: boolean }>('leave', {});
  return res.ok;
}
play();

const manager: Manager = socket.io;
manager.on('reconnect_attempt', (n) => console.log(n + 1));
manager.on('reconnect', (n) => console.log(n));
manager.on('reconnect_failed', () => console.log('gave up'));
manager.reconnectionAttempts(3);
const delay: number = manager.reconnectionDelay();
console.log(delay, other.nsp, legacy.active);

socket.off('room');
socket.disconnect();
socket.connect();
socket.close();
