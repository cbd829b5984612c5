/**
 * The embedded broker's packet size limit. aedes (through mqtt-packet) buffers a whole packet before any hook sees
 * it, and MQTT allows 256 MB per packet, so one local client could make the service hold hundreds of megabytes. This
 * reads only the fixed header of each packet as the bytes arrive (type byte, then the 1-4 byte remaining length)
 * and cuts the connection as soon as a header announces more than the limit, before the body is buffered.
 */
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import type { Socket } from 'node:net';

export const MAX_PACKET_BYTES = 256 * 1024;

type State = { phase: 'type' } | { phase: 'length'; value: number; shift: number } | { phase: 'body'; left: number };

/** A stream for `aedes.handle()` that is `socket`, with packets over `maxBytes` refused (`onRefused`, then closed). */
export function limitPacketSize(socket: Socket, maxBytes: number, onRefused: (announcedBytes: number) => void): Duplex {
  let state: State = { phase: 'type' };
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      for (let i = 0; i < chunk.length; ) {
        if (state.phase === 'type') {
          state = { phase: 'length', value: 0, shift: 0 };
          i += 1;
        } else if (state.phase === 'length') {
          const byte = chunk[i++];
          const value = state.value + (byte & 0x7f) * 2 ** state.shift;
          if (value > maxBytes) {
            onRefused(value);
            socket.destroy();
            return done();
          }
          state = byte & 0x80 ? { phase: 'length', value, shift: state.shift + 7 } : value === 0 ? { phase: 'type' } : { phase: 'body', left: value };
        } else {
          const take = Math.min(state.left, chunk.length - i);
          i += take;
          state = state.left === take ? { phase: 'type' } : { phase: 'body', left: state.left - take };
        }
      }
      done(null, chunk);
    },
  });
  socket.on('error', (err) => limiter.destroy(err));
  return Duplex.from({ readable: socket.pipe(limiter), writable: socket });
}
