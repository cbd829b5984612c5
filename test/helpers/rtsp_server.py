#!/usr/bin/python3
"""Test RTSP server: serves one H.264 MP4 on rtsp://127.0.0.1:<port>/<path>, looping by default.

The whole clip is held in memory: meant for test clips (a few MB), not hour-long recordings.

Run by Debian's /usr/bin/python3 (needs python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good/bad).
Prints "READY <port>" on stdout once listening; exits 0 on SIGTERM/SIGINT or when stdin closes (so a crashed
parent never leaves it behind), and exits 1 with a message on stderr when the file cannot be served.

Why not `filesrc ! qtdemux ! rtph264pay` with a seek on EOS: a flushing seek restarts the running time, so RTP
timestamps jump backwards at every loop and clients (ffmpeg) drop frames. Instead the file is demuxed once into
memory (no re-encoding), and an appsrc replays the access units with timestamps shifted by one clip duration per
loop, so time only moves forward. rtph264pay config-interval=-1 repeats SPS/PPS before every keyframe, so clients
that join a shared stream mid-way, or reconnect, can start decoding at the next keyframe.
"""
import argparse
import os
import signal
import sys
import time

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstApp', '1.0')
gi.require_version('GstRtspServer', '1.0')
# GstApp is imported for its side effect: appsrc elements then expose push_buffer()/end_of_stream().
from gi.repository import GLib, Gst, GstApp, GstRtspServer  # noqa: E402,F401

DEMUX_TIMEOUT_S = 30


def fail(message):
    print(f'rtsp_server: {message}', file=sys.stderr, flush=True)
    sys.exit(1)


def demux(path):
    """Returns (caps, samples) where samples are (bytes, pts_ns, dts_ns, duration_ns, is_keyframe), times from 0."""
    pipeline = Gst.parse_launch(
        'filesrc name=src ! qtdemux ! h264parse ! video/x-h264,stream-format=avc,alignment=au '
        '! appsink name=sink sync=false emit-signals=false max-buffers=0')
    pipeline.get_by_name('src').set_property('location', path)
    sink = pipeline.get_by_name('sink')
    pipeline.set_state(Gst.State.PLAYING)
    bus, raw, caps = pipeline.get_bus(), [], None
    deadline = time.monotonic() + DEMUX_TIMEOUT_S
    # Short pulls with a bus check in between: on a demux error appsink never sees EOS and would wait forever.
    while not sink.is_eos():
        error = bus.pop_filtered(Gst.MessageType.ERROR)
        if error is not None:
            pipeline.set_state(Gst.State.NULL)
            err, debug = error.parse_error()
            fail(f'cannot demux {path} as MP4/H.264: {err.message} ({debug})')
        if time.monotonic() > deadline:
            fail(f'demuxing {path} took more than {DEMUX_TIMEOUT_S} s')
        sample = sink.try_pull_sample(Gst.SECOND // 20)
        if sample is None:
            continue
        caps = sample.get_caps()
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            fail('cannot map demuxed buffer')
        raw.append((bytes(info.data), buf.pts, buf.dts, buf.duration,
                    not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
        buf.unmap(info)
    pipeline.set_state(Gst.State.NULL)
    if not raw or caps is None:
        fail(f'no H.264 video frames found in {path}')
    return caps, normalise(raw)


def normalise(raw):
    """Shifts times so the earliest is 0 and fills missing durations from the median frame spacing."""
    none = Gst.CLOCK_TIME_NONE
    times = [t for s in raw for t in (s[1], s[2]) if t != none]
    origin = min(times) if times else 0
    pts_sorted = sorted(s[1] for s in raw if s[1] != none)
    gaps = sorted(b - a for a, b in zip(pts_sorted, pts_sorted[1:]) if b > a)
    default_duration = gaps[len(gaps) // 2] if gaps else Gst.SECOND // 25
    samples = []
    for index, (data, pts, dts, duration, key) in enumerate(raw):
        if pts == none:
            pts = origin + index * default_duration
        if dts == none:
            dts = pts
        if duration == none or duration == 0:
            duration = default_duration
        samples.append((data, pts - origin, dts - origin, duration, key))
    return samples


class Feeder:
    """Pushes the demuxed clip into one media's appsrc; a new Feeder (from time 0) for every prepared media."""

    def __init__(self, appsrc, caps, samples, loop):
        self.appsrc, self.samples, self.loop = appsrc, samples, loop
        # One loop lasts from the first presented frame to the end of the last one, so loops join one frame apart.
        self.clip_ns = max(s[1] + s[3] for s in samples) - min(s[1] for s in samples)
        self.index, self.offset_ns, self.done = 0, 0, False
        appsrc.set_property('caps', caps)
        appsrc.connect('need-data', self.on_need_data)

    def on_need_data(self, appsrc, _length):
        # Called from the appsrc streaming thread until its queue is full; the sink's clock sync paces playback.
        if self.done:
            return
        if self.index == len(self.samples):
            if not self.loop:
                self.done = True
                appsrc.end_of_stream()
                return
            self.index, self.offset_ns = 0, self.offset_ns + self.clip_ns
        data, pts, dts, duration, key = self.samples[self.index]
        self.index += 1
        buf = Gst.Buffer.new_wrapped(data)
        buf.pts, buf.dts, buf.duration = pts + self.offset_ns, dts + self.offset_ns, duration
        if not key:
            buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
        if appsrc.push_buffer(buf) != Gst.FlowReturn.OK:
            self.done = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--file', required=True, help='H.264 MP4 to serve')
    parser.add_argument('--port', type=int, default=0, help='TCP port on 127.0.0.1; 0 picks a free one')
    parser.add_argument('--path', default='stream', help='mount path, without the leading slash')
    parser.add_argument('--once', action='store_true', help='play the clip once per client, then end the stream')
    args = parser.parse_args()

    if not os.path.isfile(args.file):
        fail(f'file not found: {args.file}')
    Gst.init(None)
    caps, samples = demux(args.file)

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch('( appsrc name=src is-live=false format=time stream-type=stream '
                       '! rtph264pay name=pay0 pt=96 config-interval=-1 )')
    # Looping acts like a camera: one shared stream that clients join. Once: every client gets the whole clip.
    factory.set_shared(not args.once)

    def on_media_configure(_factory, media):
        # The appsrc's need-data handler keeps the Feeder alive exactly as long as the media.
        Feeder(media.get_element().get_by_name('src'), caps, samples, loop=not args.once)

    factory.connect('media-configure', on_media_configure)

    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service(str(args.port))
    server.get_mount_points().add_factory('/' + args.path.lstrip('/'), factory)
    try:
        source_id = server.attach(None)
    except GLib.Error as error:
        fail(f'cannot listen on 127.0.0.1:{args.port}: {error.message}')
    if source_id == 0:
        fail(f'cannot listen on 127.0.0.1:{args.port} (port in use?)')

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    # stdin is a pipe from the parent: EOF or hang-up means the parent is gone.
    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
                      lambda *_: on_stdin(loop))
    print(f'READY {server.get_bound_port()}', flush=True)
    loop.run()


def on_stdin(loop):
    if not sys.stdin.buffer.raw.read(4096):
        loop.quit()
        return False
    return True


if __name__ == '__main__':
    main()
