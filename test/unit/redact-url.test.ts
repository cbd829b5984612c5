import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../src/util/log.js';

const SECRET = 'Sup3rS3cret';

// Each shape: the text, and what must still be readable after redaction.
const SHAPES: Array<[string, string]> = [
  [`rtsp://admin:${SECRET}@192.168.1.10:554/stream1`, 'rtsp://admin:***@192.168.1.10:554/stream1'],
  [`rtsp://admin:${SECRET}@with@at@cam.lan/live`, 'rtsp://admin:***@cam.lan/live'],
  [`rtsp://admin:pa/ss${SECRET}@cam.lan/live`, 'rtsp://admin:***@cam.lan/live'],
  [`rtsp://:${SECRET}@cam.lan/live`, 'rtsp://:***@cam.lan/live'],
  [`https://${SECRET}@api.example.com/v1`, 'https://***@api.example.com/v1'],
  [`mqtts://user:${SECRET}@broker:8883`, 'mqtts://user:***@broker:8883'],
  [`mqtt://u:${SECRET}@[::1]:1883`, 'mqtt://u:***@[::1]:1883'],
  [`http://cam.lan/snap.jpg?user=admin&password=${SECRET}&x=1`, 'http://cam.lan/snap.jpg?user=admin&password=***&x=1'],
  [`http://cam.lan/cgi?pwd=${SECRET}`, 'http://cam.lan/cgi?pwd=***'],
  [`rtmp://live.example/app?token=${SECRET}`, 'rtmp://live.example/app?token=***'],
  [`ffmpeg -rtsp_transport tcp -i "rtsp://admin:${SECRET}@cam.lan/live" -f rawvideo -`, 'ffmpeg -rtsp_transport tcp -i "rtsp://admin:***@cam.lan/live" -f rawvideo -'],
  [`[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized rtsp://a:${SECRET}@h/x`, '[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized rtsp://a:***@h/x'],
  [`{"url":"rtsp://a:${SECRET}@h/x"}`, '{"url":"rtsp://a:***@h/x"}'],
];

test(`redaction: the secret never survives any of ${SHAPES.length} URL shapes, and the rest stays readable`, () => {
  for (const [text, expected] of SHAPES) {
    const out = redactUrl(text);
    assert.ok(!out.includes(SECRET), `secret left in ${out}`);
    assert.equal(out, expected);
  }
  assert.equal(redactUrl('rtsp://cam.lan:554/stream1 and /path/to/file.mp4'), 'rtsp://cam.lan:554/stream1 and /path/to/file.mp4', 'nothing to hide: unchanged');
});
