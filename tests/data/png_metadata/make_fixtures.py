#!/usr/bin/env python3
"""Makes the PNG metadata fixtures with nothing but zlib + struct (run from this folder):
compressed.png: a 2x2 RGB PNG with a zTXt `Comment` (dynamic-Huffman deflate) and a compressed iTXt
`parameters` (UTF-8), and their texts in comment.txt / parameters.txt."""
import struct, zlib

def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

comment = ''.join('line %d: the quick brown fox jumps over the lazy dog, caf\u00e9 %d\n' % (i, i * i) for i in range(60))
parameters = ('\u5c71\u306e\u4e0a\u306e\u732b, (red hat:1.3)\nNegative prompt: blurry\n'
              'Steps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 42, Size: 512x512, '
              'Model hash: 0123456789, Model: sd15')
ihdr = struct.pack('>IIBBBBB', 2, 2, 8, 2, 0, 0, 0)
raw = b''.join(b'\x00' + bytes([10 * y, 20 * y, 30 * y] * 2) for y in range(2))
png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr)
       + chunk(b'zTXt', b'Comment\x00\x00' + zlib.compress(comment.encode('latin-1'), 9))
       + chunk(b'iTXt', b'parameters\x00\x01\x00\x00\x00' + zlib.compress(parameters.encode('utf-8'), 9))
       + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
open('compressed.png', 'wb').write(png)
open('comment.txt', 'w', encoding='utf-8', newline='').write(comment)
open('parameters.txt', 'w', encoding='utf-8', newline='').write(parameters)
