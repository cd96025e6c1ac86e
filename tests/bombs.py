# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bodies in each Content-Encoding, and compression bombs, built in milliseconds.

A bomb is a few KB to a few MB on the wire that inflates to ``mib`` MiB of
spaces (valid JSON white space, so only its size is wrong). Compressing a GiB
would take seconds; instead one 16 MiB block of spaces is deflated once, closed
with a full flush (which makes the piece independent of what came before), and
that piece is repeated. The checksum at the end is left 0 (computing it would take
seconds too): a reader that stops at its cap never gets there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import struct
import zlib

BLOCK = 16 * 1024 * 1024
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last deflate block holding nothing
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


@functools.lru_cache(maxsize=None)
def _block_piece():
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return deflater.compress(b" " * BLOCK) + deflater.flush(zlib.Z_FULL_FLUSH)


def bomb(coding, mib):
    """``mib`` MiB of spaces (a multiple of 16) in ``coding``: gzip, x-gzip, deflate (zlib), raw-deflate."""
    blocks = mib * 1024 * 1024 // BLOCK
    stream = _block_piece() * blocks + _FINAL_EMPTY_BLOCK
    if coding in ("gzip", "x-gzip"):
        return _GZIP_HEADER + stream + struct.pack("<II", 0, (blocks * BLOCK) & 0xffffffff)
    if coding == "deflate":
        return b"\x78\xda" + stream + struct.pack(">I", 0)
    if coding == "raw-deflate":
        return stream
    raise ValueError(coding)


@functools.lru_cache(maxsize=None)
def gzip_member():
    """One whole gzip member (checksum and all) of 16 MiB of spaces; members may follow each other."""
    crc = zlib.crc32(b" " * BLOCK)
    return _GZIP_HEADER + _block_piece() + _FINAL_EMPTY_BLOCK + struct.pack("<II", crc, BLOCK)


def encoded(data, coding):
    """``data`` in ``coding``: gzip, x-gzip, deflate (zlib-wrapped), raw-deflate, or identity."""
    if coding in ("gzip", "x-gzip"):
        deflater = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    elif coding == "deflate":
        deflater = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS)
    elif coding == "raw-deflate":
        deflater = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    elif coding == "identity":
        return data
    else:
        raise ValueError(coding)
    return deflater.compress(data) + deflater.flush()


def header_name(coding):
    """The Content-Encoding a server names ``coding`` by (raw deflate is called deflate too)."""
    return "deflate" if coding == "raw-deflate" else coding
