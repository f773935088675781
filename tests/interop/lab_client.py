"""A candidate-style Python client of an iotlab lab, used by python.test.ts.

Reads the lab card (JSON), then:
  * MQTT (paho-mqtt 1.6): subscribes to <topicPrefix>/# and collects every device's status and
    its first telemetry message;
  * Modbus TCP (pymodbus 3.0): reads every register of the card over one connection, plus one
    read just below a register map (which must answer exception 02).
Prints one JSON document on stdout; the test checks it against truth and evidence.

Usage: /usr/bin/python3 lab_client.py CARD.json CLIENT_ID
"""

import json
import sys
import threading
from urllib.parse import urlparse

import paho.mqtt
import paho.mqtt.client as mqtt
import pymodbus
from pymodbus.client import ModbusTcpClient

MQTT_WAIT_S = 8.0


def collect_mqtt(card, client_id):
    prefix = card["mqtt"]["topicPrefix"]
    devices = [d for d in card["devices"] if "mqtt" in d]
    status_topics = {d["mqtt"]["statusTopic"] for d in devices}
    telemetry_topics = {d["mqtt"]["telemetryTopic"] for d in devices}
    out = {"connack": None, "subscribed": None, "complete": False, "status": {}, "telemetry": {}}
    done = threading.Event()
    lock = threading.Lock()

    def on_connect(client, _userdata, _flags, rc):
        out["connack"] = rc
        client.subscribe(prefix + "/#", qos=1)

    def on_subscribe(_client, _userdata, _mid, granted_qos):
        out["subscribed"] = list(granted_qos)

    def on_message(_client, _userdata, msg):
        with lock:
            if msg.topic in status_topics:
                out["status"][msg.topic] = {
                    "payload": msg.payload.decode("utf-8"),
                    "retain": bool(msg.retain),
                }
            elif msg.topic in telemetry_topics and msg.topic not in out["telemetry"]:
                out["telemetry"][msg.topic] = json.loads(msg.payload)
            if len(out["status"]) == len(status_topics) and len(out["telemetry"]) == len(
                telemetry_topics
            ):
                done.set()

    url = urlparse(card["mqtt"]["url"])
    client = mqtt.Client(client_id=client_id, clean_session=True)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    if card["mqtt"].get("username"):
        client.username_pw_set(card["mqtt"]["username"], card["mqtt"].get("password"))
    client.connect(url.hostname, url.port, keepalive=30)
    client.loop_start()
    out["complete"] = done.wait(MQTT_WAIT_S)
    client.disconnect()
    client.loop_stop()
    return out


def read_table(client, table, address, count, unit):
    if table == "input":
        return client.read_input_registers(address, count, slave=unit)
    if table == "holding":
        return client.read_holding_registers(address, count, slave=unit)
    if table == "coil":
        return client.read_coils(address, count, slave=unit)
    return client.read_discrete_inputs(address, count, slave=unit)


def describe(rr, table, count):
    if rr.isError():
        return {"exception": getattr(rr, "exception_code", None), "error": str(rr)}
    if table in ("input", "holding"):
        return {"values": list(rr.registers)}
    return {"values": [bool(b) for b in rr.bits[:count]]}  # bits come padded to a byte


def collect_modbus(card):
    client = ModbusTcpClient(card["modbus"]["host"], port=card["modbus"]["port"], timeout=2)
    if not client.connect():
        raise SystemExit("cannot connect to Modbus TCP " + json.dumps(card["modbus"]))
    reads = []
    probe = None
    try:
        for device in card["devices"]:
            if "modbus" not in device or device["modbus"]["transport"] != "tcp":
                continue
            unit = device["modbus"]["unit"]
            for reg in device["modbus"]["registers"]:
                rr = read_table(client, reg["table"], reg["address"], reg["count"], unit)
                entry = {"device": device["id"], "unit": unit, "table": reg["table"]}
                entry.update({"address": reg["address"], "count": reg["count"]})
                entry.update(describe(rr, reg["table"], reg["count"]))
                reads.append(entry)
                first = device["modbus"]["registers"][0]
                if probe is None and reg["table"] == "input" and first["address"] > 0:
                    address = first["address"] - 1
                    rr = read_table(client, "input", address, 1, unit)
                    probe = {"device": device["id"], "unit": unit, "address": address}
                    probe.update(describe(rr, "input", 1))
    finally:
        client.close()
    return {"reads": reads, "illegal": probe}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        card = json.load(f)
    result = {
        "versions": {
            "python": sys.version.split()[0],
            "paho": paho.mqtt.__version__,
            "pymodbus": pymodbus.__version__,
        },
        "mqtt": collect_mqtt(card, sys.argv[2]),
        "modbus": collect_modbus(card),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
