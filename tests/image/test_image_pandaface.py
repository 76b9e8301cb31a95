"""Bing Dwen Dwen face-layout detector on synthetic drawings (no reference art needed)."""

from __future__ import annotations

import cv2
import numpy as np

from detectors.image.pandaface import BING_DWEN_DWEN, PandaFaceDetector

BLACK, WHITE = (15, 15, 15), (250, 250, 250)


def _face(
    eyes: str = "light",
    mirrored: bool = True,
    nose: bool = True,
    ground: int = 250,
    eye_white: tuple[int, int, int] = WHITE,
    eye_radius: int = 21,
) -> np.ndarray:
    """A white face with two tilted dark eye patches, each holding an eye, and a nose."""
    image = np.full((400, 500, 3), (90, 120, 60), np.uint8)  # green background
    cv2.ellipse(image, (250, 210), (170, 140), 0, 0, 360, (ground,) * 3, -1)
    for x, tilt in ((180, 35), (320, -35 if mirrored else 35)):
        cv2.ellipse(image, (x, 200), (38, 55), tilt, 0, 360, BLACK, -1)
        if eyes == "light":  # the mascot's big eye: a light ring around a dark pupil
            centre = (x + (8 if x < 250 else -8), 188)
            cv2.circle(image, centre, eye_radius, eye_white, -1)
            cv2.circle(image, centre, eye_radius // 2, (60, 60, 60), -1)
        elif eyes == "small":  # a real panda's eye: small and dark-brown
            cv2.circle(image, (x + (8 if x < 250 else -8), 188), 5, (30, 50, 70), -1)
    if nose:
        cv2.ellipse(image, (250, 240), (18, 12), 0, 0, 360, BLACK, -1)
    return image


def test_finds_the_face_with_region_and_reason() -> None:
    found = PandaFaceDetector().find(_face())
    assert found
    match = found[0].to_match()
    assert match.mark == BING_DWEN_DWEN and match.method == "face-layout"
    assert "mirrored dark eye patches" in match.reason
    xs = [x for x, _ in match.quad]
    ys = [y for _, y in match.quad]
    assert 80 <= min(xs) <= 160 and 340 <= max(xs) <= 420  # the face, not the photo
    assert 90 <= min(ys) <= 170 and 250 <= max(ys) <= 320


def test_found_small_and_after_jpeg() -> None:
    small = cv2.resize(_face(), None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    assert PandaFaceDetector().find(small)
    jpeg = cv2.imdecode(cv2.imencode(".jpg", _face(), [cv2.IMWRITE_JPEG_QUALITY, 40])[1], 1)
    assert PandaFaceDetector().find(jpeg)


def test_found_in_a_grey_lit_render() -> None:
    # A 3D viewport lights the model grey: face about 190, the eyes' rims mid-grey.
    assert PandaFaceDetector().find(_face(ground=190, eye_white=(125, 125, 125)))


def test_not_found_with_grey_brown_eyes_of_a_real_panda() -> None:
    # Big enough to be the mascot's, but a real panda's dark brown (value 80).
    assert PandaFaceDetector().find(_face(eye_white=(40, 60, 80))) == []


def test_not_found_with_a_cartoon_pandas_small_white_eyes() -> None:
    # Generic cartoon pandas draw a white eye about a tenth of the patch (a catchlight);
    # the mascot's eye fills a fifth of it or more.
    assert PandaFaceDetector().find(_face(eye_radius=14)) == []
    assert PandaFaceDetector().find(_face(eye_radius=21))


def test_not_found_without_the_light_eyes_the_mirror_the_nose_or_the_white_face() -> None:
    detector = PandaFaceDetector()
    assert detector.find(_face(eyes="small")) == []  # a real panda's small dark eyes
    assert detector.find(_face(eyes="none")) == []
    assert detector.find(_face(mirrored=False)) == []  # both patches tilted one way
    assert detector.find(_face(nose=False)) == []
    assert detector.find(_face(ground=90)) == []  # dark face: not the white mascot


def test_single_patch_and_greyscale_photo() -> None:
    one = _face()
    one[:, 250:] = (90, 120, 60)
    assert PandaFaceDetector().find(one) == []
    assert PandaFaceDetector().find(np.zeros((100, 100), np.uint8)) == []
