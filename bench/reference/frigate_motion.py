"""
Reference for bench/motion-vs-frigate.ts, never a runtime dependency of catwatch: an independent re-implementation,
in catwatch's own code, of the algorithm of Frigate's default motion detector (ImprovedMotionDetector, Frigate
0.14+) with Frigate's default motion settings, so the two detectors can be compared on the same decoded frames.
Needs only Debian's python3-opencv and python3-scipy (`apt-get install python3-opencv python3-scipy`).

The algorithm, per frame:
  1. grey frame resized (nearest neighbour) to 100 px high;
  2. contrast: the 4th/96th percentiles of this frame join a ring of the last 50 (which starts filled with 0/255);
     the frame is clipped to the ring's mean low/high and stretched to 0..255;
  3. Gaussian blur (sigma 1, radius 1);
  4. |frame - background| > 30 → binary image, dilated once with a 3x3 kernel, external contours;
     contours with area > 10 give bounding boxes (scaled back to frame pixels); all contour areas sum to the
     changed fraction of the frame;
  5. calibration: on while the changed fraction is > 0.8 (starts on); off once it is < 0.05 with at most 4 boxes;
     the caller scores no region while it is on;
  6. background update with alpha 0.2 while calibrating, else 0.01; while there are boxes, only once they have
     lasted 10 frames.

Input: raw RGB24 frames (ffmpeg -f rawvideo -pix_fmt rgb24). Output: one JSON line per frame:
{"boxes": [[x1, y1, x2, y2], ...], "calibrating": bool, "ms": float}.
Usage: /usr/bin/python3 bench/reference/frigate_motion.py FRAMES.rgb WIDTH HEIGHT
"""
import json
import sys
import time

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter

SETTINGS = {
    "threshold": 30, "lighting_fraction": 0.8, "min_contour_area": 10, "alpha": 0.01, "calibrating_alpha": 0.2,
    "height": 100, "contrast_history": 50, "settled_fraction": 0.05, "settled_boxes": 4, "persist_frames": 10,
}


class ReferenceDetector:
    def __init__(self, width, height):
        self.small = (SETTINGS["height"] * width // height, SETTINGS["height"])  # cv2 sizes are (w, h)
        self.scale = height / SETTINGS["height"]
        self.background = np.zeros((self.small[1], self.small[0]), np.float32)
        self.ranges = np.tile(np.array([0, 255], np.uint8), (SETTINGS["contrast_history"], 1))
        self.next_range = 0
        self.calibrating = True
        self.frames_with_motion = 0

    def stretch(self, small):
        low, high = np.percentile(small, 4).astype(np.uint8), np.percentile(small, 96).astype(np.uint8)
        if low >= high:
            return small
        self.ranges[self.next_range] = [low, high]
        self.next_range = (self.next_range + 1) % len(self.ranges)
        mean_low, mean_high = np.mean(self.ranges, axis=0)
        clipped = np.clip(small, mean_low, mean_high)
        return ((clipped - mean_low) / (mean_high - mean_low) * 255).astype(np.uint8)

    def boxes_and_fraction(self, small):
        delta = cv2.absdiff(small, cv2.convertScaleAbs(self.background))
        _, changed = cv2.threshold(delta, SETTINGS["threshold"], 255, cv2.THRESH_BINARY)
        found = cv2.findContours(cv2.dilate(changed, None, iterations=1), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        contours = found[0] if len(found) == 2 else found[1]
        boxes, area = [], 0.0
        for contour in contours:
            a = cv2.contourArea(contour)
            area += a
            if a > SETTINGS["min_contour_area"]:
                x, y, w, h = cv2.boundingRect(contour)
                boxes.append([int(v * self.scale) for v in (x, y, x + w, y + h)])
        return boxes, area / (self.small[0] * self.small[1])

    def detect(self, grey):
        small = cv2.resize(grey, dsize=self.small, interpolation=cv2.INTER_NEAREST)
        small = gaussian_filter(self.stretch(small), sigma=1, radius=1)
        boxes, fraction = self.boxes_and_fraction(small)
        if fraction < SETTINGS["settled_fraction"] and len(boxes) <= SETTINGS["settled_boxes"]:
            self.calibrating = False
        if fraction > SETTINGS["lighting_fraction"]:
            self.calibrating = True
        alpha = SETTINGS["calibrating_alpha"] if self.calibrating else SETTINGS["alpha"]
        self.frames_with_motion = self.frames_with_motion + 1 if boxes else 0
        if not boxes or self.frames_with_motion >= SETTINGS["persist_frames"]:
            cv2.accumulateWeighted(small, self.background, alpha)
        return boxes


def main():
    path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    frames = np.fromfile(path, dtype=np.uint8).reshape(-1, height, width, 3)
    detector = ReferenceDetector(width, height)
    for rgb in frames:
        started = time.perf_counter()
        # A camera's Y plane and the luma of its RGB frame are the same signal.
        boxes = detector.detect(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        ms = (time.perf_counter() - started) * 1000
        sys.stdout.write(json.dumps({"boxes": boxes, "calibrating": bool(detector.calibrating), "ms": round(ms, 4)}) + "\n")


if __name__ == "__main__":
    main()
