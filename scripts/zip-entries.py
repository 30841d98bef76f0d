#!/usr/bin/env python3
"""Lists a ZIP archive as JSON with python's zipfile, an independent reader for skyporter's tests.

Every entry is read to its end, which makes zipfile check it against its CRC-32
(a mismatch raises BadZipFile and exits non-zero). Usage: zip-entries.py FILE
"""
import hashlib
import json
import sys
import zipfile

entries = []
with zipfile.ZipFile(sys.argv[1]) as archive:
    for info in archive.infolist():
        digest = hashlib.sha256()
        with archive.open(info) as body:
            for chunk in iter(lambda: body.read(1 << 20), b""):
                digest.update(chunk)
        entries.append({
            "name": info.filename,
            "size": info.file_size,
            "compressed": info.compress_size,
            "method": info.compress_type,
            "crc": info.CRC,
            "sha256": digest.hexdigest(),
            "mode": info.external_attr >> 16,
        })
print(json.dumps(entries))
