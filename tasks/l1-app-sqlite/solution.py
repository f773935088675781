#!/usr/bin/env python3
"""Reference solution of l1-app-sqlite in Python (paho-mqtt 1.6, the standard sqlite3 module),
as a candidate would write it: topic, file and table from the command line, the broker and the
work folder from the environment `iotlab check` sets."""
import argparse
import json
import os
import sqlite3
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

p = argparse.ArgumentParser()
p.add_argument("--topic", required=True)
p.add_argument("--file", required=True)
p.add_argument("--table", required=True)
args = p.parse_args()

db = sqlite3.connect(os.path.join(os.environ["IOTLAB_WORKDIR"], args.file), isolation_level=None)
db.execute(
    f"CREATE TABLE IF NOT EXISTS {args.table} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "device TEXT NOT NULL, ts INTEGER NOT NULL, quantity TEXT NOT NULL, value REAL NOT NULL, "
    "UNIQUE (device, ts, quantity))"
)


def on_connect(client, _userdata, _flags, _rc):
    client.subscribe(args.topic, qos=1)


def on_message(_client, _userdata, msg):
    try:
        m = json.loads(msg.payload)
    except ValueError:
        return
    for q in ("temperature", "humidity"):
        if isinstance(m.get(q), (int, float)):
            db.execute(
                f"INSERT OR IGNORE INTO {args.table} (device, ts, quantity, value) VALUES (?, ?, ?, ?)",
                (m["id"], m["ts"], q, m[q]),
            )


url = urlparse(os.environ["IOTLAB_MQTT_URL"])
client = mqtt.Client()
if os.environ.get("IOTLAB_MQTT_USERNAME"):  # an exam session's broker wants the card's login
    client.username_pw_set(os.environ["IOTLAB_MQTT_USERNAME"], os.environ.get("IOTLAB_MQTT_PASSWORD"))
client.on_connect = on_connect
client.on_message = on_message
client.connect(url.hostname, url.port, keepalive=30)
client.loop_forever()
