"""Image uploads are bounded before decoding (verifier.qr_image): PNG and JPEG only, told
by their first bytes; pixel limits from the header; JPEG photos decoded at reduced scale."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from PIL import Image

from issuer.render.qr_image import render_qr_png
from verifier.errors import ImageError
from verifier.qr_image import MAX_IMAGE_BYTES, MAX_PNG_PIXELS, image_format, read_qr_image

from ..verifier.world import World

EPS = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n"
       b"0 0 moveto 100 100 lineto stroke\nshowpage\n%%EOF\n")


def upload(client: FlaskClient, data: bytes, name: str = "photo.png"):
    return client.post("/api/v1/verify", data={"image": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def test_an_eps_upload_is_refused_before_any_decoder_sees_it(client: FlaskClient) -> None:
    answer = upload(client, EPS, "photo.png")  # the name lies; the bytes do not
    assert answer.status_code == 415
    error = answer.get_json()["error"]
    assert error["reason"] == "image_type_unsupported"
    assert error["message"] == ("The image is not a PNG or JPEG file; take a photo or scan "
                                "in one of those formats.")


@pytest.mark.parametrize("kind", ["GIF", "BMP", "TIFF", "WEBP", "ICO", "PPM"])
def test_other_formats_pillow_reads_are_refused(client: FlaskClient, kind: str) -> None:
    data = encoded(Image.new("RGB", (64, 64), "white"), kind)
    answer = upload(client, data)
    assert answer.status_code == 415, kind
    assert answer.get_json()["error"]["reason"] == "image_type_unsupported"


def test_an_svg_is_refused(client: FlaskClient) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert upload(client, svg, "x.svg").status_code == 415


def test_a_huge_pixel_png_is_refused_from_its_header(client: FlaskClient) -> None:
    # 400 megapixels of one colour compress to a few KiB: decoding would take gigabytes.
    bomb = encoded(Image.new("1", (20_000, 20_000), 1), "PNG")
    assert len(bomb) < 256 * 1024
    answer = upload(client, bomb)
    assert answer.status_code == 413
    error = answer.get_json()["error"]
    assert error["reason"] == "image_too_large" and "megapixels" in error["message"]
    just_over = encoded(Image.new("1", (3001, 3000), 1), "PNG")
    assert MAX_PNG_PIXELS < 3001 * 3000
    assert upload(client, just_over).status_code == 413


def test_a_large_jpeg_photo_is_read_at_reduced_scale(client: FlaskClient,
                                                     web_world: World) -> None:
    # A 24 MP photo with the code in one corner, as a phone takes it.
    qr = Image.open(io.BytesIO(render_qr_png(web_world.qr["good"], box_size=12)))
    photo = Image.new("RGB", (6000, 4000), (200, 200, 190))
    photo.paste(qr.convert("RGB"), (400, 300))
    answer = upload(client, encoded(photo, "JPEG", quality=90), "photo.jpg")
    assert answer.status_code == 200 and answer.get_json()["verdict"] == "valid"


def test_a_progressive_jpeg_and_a_png_scan_are_read(client: FlaskClient,
                                                   web_world: World) -> None:
    png = render_qr_png(web_world.qr["good"], box_size=6)
    assert upload(client, png).get_json()["verdict"] == "valid"
    scan = Image.open(io.BytesIO(png)).convert("RGB")
    progressive = encoded(scan, "JPEG", quality=92, progressive=True)
    assert upload(client, progressive, "scan.jpg").get_json()["verdict"] == "valid"


def test_reader_limits_without_the_web(tmp_path) -> None:
    assert image_format(b"\x89PNG\r\n\x1a\n...") == "PNG"
    assert image_format(b"\xff\xd8\xff\xe0...") == "JPEG"
    assert image_format(b"GIF89a") is None and image_format(b"") is None
    with pytest.raises(ImageError) as large:
        read_qr_image(b"\x89PNG\r\n\x1a\n" + bytes(MAX_IMAGE_BYTES))
    assert large.value.reason == "image_too_large"
    eps = tmp_path / "scan.png"
    eps.write_bytes(EPS)
    with pytest.raises(ImageError) as named:
        read_qr_image(eps)
    assert named.value.reason == "image_type_unsupported" and str(eps) in named.value.message
