"""A candidate-style NMEA 0183 reader, used by serial-gnss.test.ts.

Opens a serial port (the lab's GNSS PTY) with pyserial (Debian's python3-serial), reads for a
few seconds, splits the bytes into sentences, checks every checksum with its own XOR (nothing of
iotlab's codec is used), parses GGA and RMC into decimal degrees and prints one JSON document.

Usage: /usr/bin/python3 serial_gnss.py PATH BAUD DATABITS PARITY STOPBITS SECONDS
"""

import json
import re
import sys
import time

import serial

PARITY = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}
SENTENCE = re.compile(r"^\$([A-Z]{2})([A-Z]{3}),([^*$]*)\*([0-9A-Fa-f]{2})$")


def checksum(body):
    """NMEA 0183: XOR of every character between '$' and '*'."""
    x = 0
    for c in body:
        x ^= ord(c)
    return x


def check(line):
    """(ok, reason): ok when the line is $..*hh and hh is the XOR of what lies between."""
    if not line.startswith("$"):
        return False, "no $"
    star = line.rfind("*")
    if star < 0:
        return False, "no *"
    given = line[star + 1 :]
    if not re.fullmatch(r"[0-9A-Fa-f]{2}", given):
        return False, "not two hex digits after *"
    if int(given, 16) != checksum(line[1:star]):
        return False, "checksum %s, computed %02X" % (given, checksum(line[1:star]))
    return True, None


def degrees(value, hemisphere, degree_digits):
    """ddmm.mmmm (dddmm.mmmm for longitude) → decimal degrees, negative for S and W."""
    if value == "" or hemisphere == "":
        return None
    d = int(value[:degree_digits]) + float(value[degree_digits:]) / 60
    return -d if hemisphere in ("S", "W") else d


def number(text):
    return None if text == "" else float(text)


def parse(line):
    m = SENTENCE.match(line)
    if not m:
        return None
    kind, f = m.group(2), m.group(3).split(",")
    if kind == "GGA":
        return {
            "type": "GGA",
            "time": f[0],
            "lat": degrees(f[1], f[2], 2),
            "lon": degrees(f[3], f[4], 3),
            "quality": int(f[5]),
            "satellites": int(f[6]),
            "hdop": number(f[7]),
            "altitudeM": number(f[8]),
        }
    if kind == "RMC":
        return {
            "type": "RMC",
            "time": f[0],
            "status": f[1],
            "lat": degrees(f[2], f[3], 2),
            "lon": degrees(f[4], f[5], 3),
            "speedKnots": number(f[6]),
            "courseDeg": number(f[7]),
            "date": f[8],
            "mode": f[11],
        }
    return None


def main():
    path, baud, data_bits, parity, stop_bits, seconds = sys.argv[1:7]
    port = serial.Serial(
        path,
        baudrate=int(baud),
        bytesize=int(data_bits),
        parity=PARITY[parity],
        stopbits=int(stop_bits),
        timeout=0.05,
    )
    started = time.monotonic()
    data = b""
    try:
        while time.monotonic() - started < float(seconds):
            data += port.read(4096)
    finally:
        port.close()

    text = data.decode("latin-1")
    pieces = text.split("\r\n")
    # What came before the first CRLF may be the tail of a sentence that started before the port
    # was opened, and what follows the last CRLF one still being sent: neither is a sentence.
    head, complete, tail = pieces[0], pieces[1:-1], pieces[-1]
    if head.startswith("$"):
        complete.insert(0, head)
        head = ""
    sentences = []
    fixes = []
    for line in complete:
        ok, reason = check(line)
        sentences.append({"line": line, "ok": ok, **({"reason": reason} if reason else {})})
        fix = parse(line) if ok else None
        if fix:
            fixes.append(fix)
    result = {
        "versions": {"python": sys.version.split()[0], "pyserial": serial.__version__},
        "bytes": len(data),
        "partial": {"head": head, "tail": tail},
        "sentences": sentences,
        "fixes": fixes,
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
