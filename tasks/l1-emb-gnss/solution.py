#!/usr/bin/env python3
"""Reference solution of l1-emb-gnss in Python (pyserial 3.5, paho-mqtt 1.6), as a candidate would
write it from the rendered instructions. pyserial opens the lab's raw TCP serial port as a URL
(`socket://host:port`); a PTY or a real port would be opened the same way by its path.

    iotlab check l1-emb-gnss --seed 7 -- python3 solution.py \\
        --device gnss-1a2b --topic iotlab/6b0edc/position/gnss-1a2b --period 2
"""
import argparse
import json
import os
import threading
import time
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import serial

p = argparse.ArgumentParser()
p.add_argument("--device", required=True)
p.add_argument("--topic", required=True)
p.add_argument("--period", type=float, required=True)
args = p.parse_args()


def nmea_ok(line: str) -> bool:
    """XOR of the characters between '$' and '*', two hex digits after the '*'."""
    if not line.startswith("$") or "*" not in line:
        return False
    body, _, given = line[1:].partition("*")
    x = 0
    for c in body:
        x ^= ord(c)
    return len(given) == 2 and given.upper() == f"{x:02X}"


def degrees(value: str, hemi: str, deg_digits: int) -> float:
    d = int(value[:deg_digits]) + float(value[deg_digits:]) / 60
    return round(-d if hemi in ("S", "W") else d, 7)


def parse_gga(line: str):
    if not nmea_ok(line):
        return None
    f = line[1 : line.index("*")].split(",")
    if not f[0].endswith("GGA") or len(f) < 10:
        return None
    fix, sats = int(f[6] or 0), int(f[7] or 0)
    if fix == 0 or not f[2] or not f[4]:
        return {"lat": None, "lon": None, "fix": fix, "sats": sats}
    return {"lat": degrees(f[2], f[3], 2), "lon": degrees(f[4], f[5], 3), "fix": fix, "sats": sats}


env_name = "IOTLAB_SERIAL_" + "".join(c if c.isalnum() else "_" for c in args.device.upper())
port = serial.serial_for_url("socket://" + os.environ[env_name], timeout=0.2)
url = urlparse(os.environ["IOTLAB_MQTT_URL"])
client = mqtt.Client()
if os.environ.get("IOTLAB_MQTT_USERNAME"):  # an exam session's broker wants the card's login
    client.username_pw_set(os.environ["IOTLAB_MQTT_USERNAME"], os.environ.get("IOTLAB_MQTT_PASSWORD"))
client.connect(url.hostname, url.port or 1883)
client.loop_start()

latest = None
lock = threading.Lock()


def publisher():
    nxt = time.monotonic()
    while True:
        nxt += args.period
        time.sleep(max(0.0, nxt - time.monotonic()))
        with lock:
            report = latest
        if report is not None:
            client.publish(args.topic, json.dumps(report), qos=1)


threading.Thread(target=publisher, daemon=True).start()
while True:
    raw = port.readline()
    if not raw:
        continue
    try:
        report = parse_gga(raw.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        report = None
    if report is not None:
        with lock:
            latest = report
