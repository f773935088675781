#!/usr/bin/env python3
"""Reference solution of l1-emb-analog in Python (paho-mqtt 1.6, pymodbus 3), as a candidate
would write it from the rendered instructions: the lab's addresses come from the environment
`iotlab check` gives (IOTLAB_MQTT_URL, IOTLAB_MODBUS_HOST/PORT); the task's values (unit,
register, scale, offset, topic, period) are the instructions' and are passed as arguments.

    iotlab check l1-emb-analog --seed 7 -- python3 solution.py \\
        --unit 70 --address 390 --scale 0.0244 --offset 0 --unit-name % \\
        --topic iotlab/6b0edc/collect/sensor-ba23 --period 3
"""
import argparse
import json
import os
import time
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from pymodbus.client import ModbusTcpClient

p = argparse.ArgumentParser()
p.add_argument("--unit", type=int, required=True)
p.add_argument("--address", type=int, required=True)
p.add_argument("--scale", type=float, required=True)
p.add_argument("--offset", type=float, required=True)
p.add_argument("--unit-name", required=True)
p.add_argument("--topic", required=True)
p.add_argument("--period", type=float, required=True, help="seconds between publishes")
args = p.parse_args()

url = urlparse(os.environ["IOTLAB_MQTT_URL"])
client = mqtt.Client()
if os.environ.get("IOTLAB_MQTT_USERNAME"):  # an exam session's broker wants the card's login
    client.username_pw_set(os.environ["IOTLAB_MQTT_USERNAME"], os.environ.get("IOTLAB_MQTT_PASSWORD"))
client.connect(url.hostname, url.port, keepalive=30)
client.loop_start()
modbus = ModbusTcpClient(os.environ["IOTLAB_MODBUS_HOST"], port=int(os.environ["IOTLAB_MODBUS_PORT"]), timeout=2)
modbus.connect()

next_at = time.monotonic()
while True:
    r = modbus.read_input_registers(args.address, 1, slave=args.unit)
    if not r.isError():
        value = round(r.registers[0] * args.scale + args.offset, 2)
        client.publish(args.topic, json.dumps({"value": value, "unit": args.unit_name}), qos=1)
    # A fixed-rate schedule: the period does not stretch by the time a read takes.
    next_at += args.period
    time.sleep(max(0.0, next_at - time.monotonic()))
